"""The embedded default: every service in one process with an in-process bus and an
in-memory store, behind the same gateway. No servers to install; data is gone on exit."""

import threading
from dataclasses import dataclass, field

from services.common import store
from services.common.consuming import RecordProcessor
from services.common.context import ServiceContext
from services.common.inprocess_bus import InProcessBus, InProcessConsumer
from services.common.outbox import OutboxRelay
from services.common.topology import SERVICES
from services.evaluation import api as evaluation_api
from services.feedback import api as feedback_api
from services.feedback.documents import FeedbackDocument
from services.gateway.app import create_app
from services.gateway.clients import InProcessClient
from services.notifications import api as notifications_api
from services.projects import api as projects_api
from services.tables import api as tables_api

ROUTERS = {
    "feedback": feedback_api.router,
    "tables": tables_api.router,
    "projects": projects_api.router,
    "evaluation": evaluation_api.router,
    "notifications": notifications_api.router,
}
OUTBOX_DOCUMENTS = {"feedback": [FeedbackDocument]}
CONSUMERS = {"evaluation": (evaluation_api.HANDLED_EVENTS, evaluation_api.handle_event)}

NOTICE = "Embedded mode: all data is kept in memory and is lost when kuultu stops."


@dataclass
class Embedded:
    bus: InProcessBus
    lock: threading.RLock
    contexts: dict[str, ServiceContext]
    relays: list[OutboxRelay] = field(default_factory=list)
    consumers: dict[str, InProcessConsumer] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for runner in [*self.relays, *self.consumers.values()]:
            thread = threading.Thread(target=runner.run, daemon=True,
                                      name=type(runner).__name__)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        for runner in [*self.relays, *self.consumers.values()]:
            runner.stop()
        for thread in self.threads:
            thread.join(timeout=5)

    def clients(self) -> dict[str, InProcessClient]:
        return {name: InProcessClient(ROUTERS[name], self.contexts[name], self.lock)
                for name in ROUTERS}

    def app(self):
        return create_app(self.clients(), mode="embedded", notice=NOTICE)


class _Locked:
    """Runs a callable under the embedded store's lock (mongomock is not thread-safe)."""

    def __init__(self, lock, fn):
        self.lock, self.fn = lock, fn

    def __call__(self, *args, **kwargs):
        with self.lock:
            return self.fn(*args, **kwargs)


def build() -> Embedded:
    lock = threading.RLock()
    bus = InProcessBus()
    contexts = {}
    relays = []
    for name, spec in SERVICES.items():
        store.disconnect(name)
        store.connect_embedded(name)
        documents = OUTBOX_DOCUMENTS.get(name, [])
        relay = OutboxRelay(name, documents, bus.publish)
        relay.relay_once = _Locked(lock, relay.relay_once)
        if documents:
            relays.append(relay)
        contexts[name] = ServiceContext(service=name, topic=spec.topic, after_write=relay.kick)
    embedded = Embedded(bus=bus, lock=lock, contexts=contexts, relays=relays)
    for name, (events, handler) in CONSUMERS.items():
        context = contexts[name]
        processor = RecordProcessor(
            service=name,
            group=SERVICES[name].group_id,
            handlers={e: _Locked(lock, lambda event, h=handler, c=context: h(event, c))
                      for e in events},
            dead_letters=bus.publish,
        )
        embedded.consumers[name] = InProcessConsumer(bus, list(SERVICES[name].consumes), processor)
    return embedded
