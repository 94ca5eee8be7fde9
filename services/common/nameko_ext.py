"""nameko glue: one dependency provider for the platform parts a service uses, an HTTP
adapter for the framework-free router, and a Kafka consumer entrypoint.

Only this module and each service's service.py import nameko or eventlet.
"""

import json
from functools import partial

import eventlet
import structlog
from eventlet.event import Event as GreenEvent
from kafka.errors import KafkaError
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, Entrypoint
from nameko.web.handlers import http
from werkzeug.wrappers import Response as WerkzeugResponse

from services.common import metrics, store
from services.common.config import KafkaSettings, env_flag
from services.common.consuming import RecordProcessor
from services.common.context import ServiceContext
from services.common.errors import TransientError
from services.common.httpapi import Request, Router, error_body
from services.common.kafka_bus import KafkaConsumerLoop, KafkaPublisher, ensure_topics
from services.common.logs import configure_logging
from services.common.outbox import OutboxRelay
from services.common.ticker import Ticker
from services.common.topology import SERVICES
from services.common.wiring import Wiring

log = structlog.get_logger(__name__)


class Platform(DependencyProvider):
    """Connects the service's own database, and runs its outbox relay to Kafka and its
    periodic work (Wiring.periodic). Provides a ServiceContext to each worker."""

    _threads = ()  # until start()

    def __init__(self, wiring: Wiring):
        self.documents = list(wiring.documents)
        self.periodic = list(wiring.periodic)

    def setup(self):
        config = self.container.config
        name = self.container.service_name
        self.spec = SERVICES[name]
        configure_logging(name, config.get("KUULTU_LOG_LEVEL") or "INFO")
        # KUULTU_MONGO_DATABASE: another database than kuultu_<service>, e.g. for a second
        # instance of a service beside the first (tests, a staging copy on shared servers).
        store.connect(name, config["KUULTU_MONGO_URI"], config.get("KUULTU_MONGO_DATABASE") or None)
        self.kafka = KafkaSettings.from_mapping(config)
        if env_flag("KUULTU_CREATE_TOPICS", False, config) and self.spec.topic:
            _retrying(lambda: ensure_topics(self.kafka, [self.spec.topic]), "create topics")
        self.publisher = KafkaPublisher(self.kafka, client_id=f"kuultu-{name}")
        self.relay = OutboxRelay(name, self.documents, self.publisher.publish)
        self.context = ServiceContext(
            service=name, topic=self.spec.topic, after_write=self.relay.kick, settings=config,
            wake=lambda work: self.tickers[work].wake(),
        )
        self.tickers = {p.name: Ticker(p.name, partial(p.run, self.context), p.interval, p.eager)
                        for p in self.periodic}

    def start(self):
        runners = [*([self.relay] if self.documents else []), *self.tickers.values()]
        self._threads = [self.container.spawn_managed_thread(r.run) for r in runners]

    def stop(self):
        for runner in [self.relay, *self.tickers.values()]:
            runner.stop()
        for thread in self._threads:
            thread.wait()
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return self.context


def _retrying(action, what: str, attempts: int = 30):
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except KafkaError as exc:
            log.warning("retrying", what=what, attempt=attempt, error=repr(exc))
            eventlet.sleep(min(5, attempt))
    raise TransientError(f"could not {what}")


def serve_http(router: Router, request, context: ServiceContext) -> WerkzeugResponse:
    """Adapts a werkzeug request to the framework-free router and back."""
    body = None
    if request.get_data():
        try:
            body = json.loads(request.get_data())
        except ValueError:
            return _json(400, error_body("invalid_json", "The request body is not valid JSON."))
    response = router.dispatch(
        Request(
            method=request.method,
            path=request.path,
            body=body,
            query={k: v for k, v in request.args.items()},
            headers={k.lower(): v for k, v in request.headers.items()},
        ),
        context,
    )
    return _json(response.status, response.body, response.headers)


def _json(status: int, body, headers=None) -> WerkzeugResponse:
    return WerkzeugResponse(
        json.dumps(body, ensure_ascii=False), status=status,
        headers=headers or {}, mimetype="application/json",
    )


def metrics_response() -> WerkzeugResponse:
    payload, content_type = metrics.render()
    return WerkzeugResponse(payload, status=200, content_type=content_type)


class KafkaConsume(Entrypoint):
    """Runs a consumer-group member in a managed green thread. Each valid event becomes a
    nameko worker; the offset is committed only after the worker finished without error.

    kafka-python's heartbeats run in their own (green) thread, so a slow handler that yields
    (I/O, sleep) does not make the member leave its group."""

    def __init__(self, topics, events, group_id=None, **kwargs):
        self.topics = list(topics)
        self.events = list(events)
        self.group_id = group_id
        self.loop = None
        super().__init__(**kwargs)

    def setup(self):
        config = self.container.config
        name = self.container.service_name
        self.kafka = KafkaSettings.from_mapping(config)
        self.group = (self.group_id or config.get("KUULTU_CONSUMER_GROUP")
                      or SERVICES[name].group_id)
        self.dead_letters = KafkaPublisher(self.kafka, client_id=f"{self.group}-dlq")
        self.processor = RecordProcessor(
            service=name,
            group=self.group,
            handlers={event: self._handle for event in self.events},
            dead_letters=self.dead_letters.publish,
        )
        self._stopping = False

    def start(self):
        self._thread = self.container.spawn_managed_thread(self._run)

    def _run(self):
        attempt = 0
        while not self._stopping and self.loop is None:
            try:
                self.loop = KafkaConsumerLoop(
                    self.kafka, self.topics, self.group, self.processor,
                    client_id=f"{self.group}-{self.method_name}",
                    consumer_options=self.container.config.get("KUULTU_CONSUMER_OPTIONS") or {},
                )
            except KafkaError as exc:  # broker not there yet: keep trying, never crash
                attempt += 1
                log.warning("consumer_connect_failed", error=repr(exc), attempt=attempt)
                eventlet.sleep(min(5, attempt))
        if self.loop is not None:
            self.loop.run()

    def stop(self):
        self._stopping = True
        if self.loop is not None:
            self.loop.stop()
        self._thread.wait()
        self.dead_letters.close()

    def kill(self):
        self._stopping = True
        if self.loop is not None:
            self.loop.stop()

    def _handle(self, event):
        finished = GreenEvent()

        def handle_result(worker_ctx, result, exc_info):
            finished.send(exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(
                self, (event,), {},
                context_data={"correlation_id": event.correlation_id},
                handle_result=handle_result,
            )
        except ContainerBeingKilled as exc:
            raise TransientError("service is stopping") from exc
        exc_info = finished.wait()
        if exc_info is not None:
            raise exc_info[1]


consume = KafkaConsume.decorator


class HttpService:
    """Base of every nameko service: its router on HTTP, plus /metrics. Subclasses set
    `name`, `wiring` and `platform`; nameko finds the inherited entrypoints."""

    name: str
    wiring: Wiring
    platform: Platform

    @http("GET,POST,PUT,PATCH,DELETE", "/<path:path>")
    def api(self, request, path):
        return serve_http(self.wiring.router, request, self.platform)

    @http("GET", "/metrics")
    def metrics(self, request):
        return metrics_response()
