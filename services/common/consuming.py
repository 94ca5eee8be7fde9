"""The consume contract, shared by the Kafka and the in-process bus.

For each record: decode and validate (invalid -> dead-letter topic with origin and error);
run the handler; a transient failure (the database or broker is away) raises RetryLater so
the caller re-reads the same offset later without committing; any other failure is retried
a few times and then dead-lettered, so one poison message never blocks a partition.
Offsets are committed by the caller only after `process` returned.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pymongo.errors
import structlog
from kafka.errors import KafkaError

from services.common import metrics
from services.common.envelope import Event, decode, iso, utcnow
from services.common.errors import InvalidEvent, TransientError
from services.common.schemas import SchemaRegistry, default_registry
from services.common.topology import dead_letter_topic

log = structlog.get_logger(__name__)

# Failures that say nothing about the message itself: wait and retry, never dead-letter.
TRANSIENT_ERRORS = (
    TransientError,
    pymongo.errors.ConnectionFailure,  # includes AutoReconnect, ServerSelectionTimeoutError
    pymongo.errors.NetworkTimeout,
    KafkaError,
    ConnectionError,
    TimeoutError,
)

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class OutgoingMessage:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class RetryLater(Exception):
    """Raised by `process` for a transient failure: do not commit, re-read this offset."""


@dataclass
class Backoff:
    initial: float = 0.2
    maximum: float = 5.0

    def delay(self, attempt: int) -> float:
        return min(self.maximum, self.initial * (2 ** max(0, attempt - 1)))


class RecordProcessor:
    def __init__(
        self,
        *,
        service: str,
        group: str,
        handlers: dict[str, Handler],
        dead_letters: Callable[[str, list[OutgoingMessage]], None],
        registry: SchemaRegistry | None = None,
        max_attempts: int = 3,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.service = service
        self.group = group
        self.handlers = handlers
        self.dead_letters = dead_letters
        self.registry = registry or default_registry()
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.sleep = sleep

    def process(self, record: Record) -> str:
        """Returns the outcome: 'applied', 'ignored' or 'dead_lettered'."""
        try:
            event = decode(record.key, record.value, record.headers, self.registry)
        except InvalidEvent as exc:
            return self._dead_letter(record, f"InvalidEvent: {exc}")
        handler = self.handlers.get(event.name) if event else None
        if handler is None:
            return self._count(record, "ignored")
        with structlog.contextvars.bound_contextvars(
            event_id=event.id, correlation_id=event.correlation_id, event_type=event.name
        ):
            return self._run(handler, event, record)

    def _run(self, handler: Handler, event: Event, record: Record) -> str:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                handler(event)
            except TRANSIENT_ERRORS as exc:
                metrics.EVENTS_FAILED.labels(self.service, record.topic, "transient").inc()
                log.warning("handler_transient_failure", error=repr(exc), offset=record.offset)
                raise RetryLater(repr(exc)) from exc
            except Exception as exc:
                metrics.EVENTS_FAILED.labels(self.service, record.topic, "error").inc()
                log.exception("handler_failed", attempt=attempt, offset=record.offset)
                if attempt >= self.max_attempts:
                    return self._dead_letter(record, f"{type(exc).__name__}: {exc}")
                self.sleep(self.backoff.delay(attempt))
                continue
            metrics.HANDLER_SECONDS.labels(self.service, event.name).observe(
                time.perf_counter() - started
            )
            return self._count(record, "applied")

    def _dead_letter(self, record: Record, error: str) -> str:
        headers = list(record.headers) + [
            ("dlq.origin.topic", record.topic.encode()),
            ("dlq.origin.partition", str(record.partition).encode()),
            ("dlq.origin.offset", str(record.offset).encode()),
            ("dlq.consumer.group", self.group.encode()),
            ("dlq.error", error[:2000].encode()),
            ("dlq.time", iso(utcnow()).encode()),
        ]
        message = OutgoingMessage(key=record.key, value=record.value or b"", headers=headers)
        try:
            self.dead_letters(dead_letter_topic(record.topic), [message])
        except TRANSIENT_ERRORS as exc:
            # The dead-letter topic cannot take it now (broker away): nothing is committed,
            # the record is read again later, as for any transient failure.
            raise RetryLater(f"dead-letter publish failed: {exc!r}") from exc
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, record.topic).inc()
        log.error(
            "dead_lettered", topic=record.topic, partition=record.partition,
            offset=record.offset, error=error,
        )
        return self._count(record, "dead_lettered")

    def _count(self, record: Record, outcome: str) -> str:
        metrics.EVENTS_CONSUMED.labels(self.service, record.topic, outcome).inc()
        return outcome
