"""Prometheus metrics shared by every service; labels say which service and topic."""

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

EVENTS_PUBLISHED = Counter(
    "kuultu_events_published", "Events published to the bus", ["service", "topic", "type"]
)
EVENTS_CONSUMED = Counter(
    "kuultu_events_consumed",
    "Records handled by a consumer, by outcome (applied, ignored, dead_lettered)",
    ["service", "topic", "outcome"],
)
EVENTS_FAILED = Counter(
    "kuultu_events_failed",
    "Handler attempts that failed, by kind (transient, error)",
    ["service", "topic", "kind"],
)
EVENTS_DEAD_LETTERED = Counter(
    "kuultu_events_dead_lettered", "Records sent to a dead-letter topic", ["service", "topic"]
)
HANDLER_SECONDS = Histogram(
    "kuultu_handler_seconds", "Time spent in an event handler", ["service", "type"]
)
OUTBOX_PENDING = Gauge(
    "kuultu_outbox_pending", "Events waiting in outboxes at the last relay pass", ["service"]
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
