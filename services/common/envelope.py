"""The CloudEvents 1.0 envelope (structured mode), built with the `cloudevents` package.

An `Event` is what services create and handle; `encode`/`decode` turn it into the Kafka
record (key = aggregate id) and back, validating the data against its schema both ways.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

from services.common.errors import InvalidEvent
from services.common.schemas import SchemaRegistry, default_registry

CORRELATION_ATTR = "correlationid"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp, as events and the APIs carry them. RFC 3339 allows a lower-case
    `t` and `z`, which `fromisoformat` refuses; nothing else in such a string has a case."""
    return datetime.fromisoformat(value.upper())


@dataclass(frozen=True)
class Event:
    name: str  # FeedbackReceived
    version: int
    source: str  # /kuultu/feedback
    subject: str  # the aggregate id, also the Kafka key
    data: dict
    correlation_id: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: iso(utcnow()))

    @property
    def ce_type(self) -> str:
        return f"fi.lahti.kuultu.{self.name}.v{self.version}"

    def to_dict(self) -> dict:
        """The structured-mode JSON object, as stored in an outbox and sent to Kafka."""
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.ce_type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "dataschema": f"urn:kuultu:schema:{self.name}:v{self.version}",
            CORRELATION_ATTR: self.correlation_id,
            "data": self.data,
        }


def new_event(
    name: str,
    data: dict,
    *,
    service: str,
    subject: str,
    correlation_id: str | None,
    registry: SchemaRegistry | None = None,
) -> Event:
    """Create an event of the newest version of `name`; invalid data fails here, at the source."""
    registry = registry or default_registry()
    spec = registry.latest(name)
    registry.validate(spec, data)
    return Event(
        name=name,
        version=spec.version,
        source=f"/kuultu/{service}",
        subject=subject,
        data=data,
        correlation_id=correlation_id or str(uuid.uuid4()),
    )


def event_from_dict(envelope: dict) -> Event:
    name, _, version = envelope["type"].removeprefix("fi.lahti.kuultu.").rpartition(".v")
    return Event(
        name=name,
        version=int(version),
        source=envelope["source"],
        subject=envelope["subject"],
        data=envelope["data"],
        correlation_id=envelope.get(CORRELATION_ATTR) or "",
        id=envelope["id"],
        time=envelope["time"],
    )


def encode(event: Event, registry: SchemaRegistry | None = None) -> ce_kafka.KafkaMessage:
    registry = registry or default_registry()
    spec = registry.by_type(event.ce_type)
    if spec is None:
        raise InvalidEvent(f"unknown event type {event.ce_type!r}")
    registry.validate(spec, event.data)
    envelope = event.to_dict()
    data = envelope.pop("data")
    envelope["time"] = datetime.fromisoformat(envelope["time"])  # the library wants a datetime
    cloud_event = CloudEvent(attributes=envelope, data=data)
    return ce_kafka.to_structured_event(cloud_event, key_mapper=lambda e: e.get_subject())


def _require_own_id(value: bytes) -> None:
    """The library fills in a missing id with a fresh uuid (so each redelivery would count as
    a new event) and a missing specversion with 1.0: a record must carry both itself."""
    try:
        envelope = json.loads(value)
    except ValueError as exc:
        raise InvalidEvent(f"not a CloudEvents 1.0 structured message: {exc}") from exc
    if not isinstance(envelope, dict):
        raise InvalidEvent("not a CloudEvents 1.0 structured message: not a JSON object")
    if envelope.get("specversion") != "1.0":
        raise InvalidEvent(f"specversion must be '1.0', got {envelope.get('specversion')!r}")
    if not isinstance(envelope.get("id"), str) or not envelope["id"]:
        raise InvalidEvent("id is missing: without it a redelivery could not be recognised")


def decode(
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes]] | None,
    registry: SchemaRegistry | None = None,
) -> Event | None:
    """Parse and validate one record. Returns None for a valid event of a type this code does
    not know (a newer producer; skip it), raises InvalidEvent for anything unusable."""
    registry = registry or default_registry()
    if not value:
        raise InvalidEvent("empty record value")
    _require_own_id(value)
    message = ce_kafka.KafkaMessage(headers=dict(headers or []), key=key, value=value)
    try:
        cloud_event = ce_kafka.from_structured_event(message)
    except Exception as exc:  # the library raises several types for bad envelopes
        raise InvalidEvent(f"not a CloudEvents 1.0 structured message: {exc}") from exc
    attributes = cloud_event.get_attributes()
    ce_type = attributes.get("type", "")
    if not ce_type.startswith("fi.lahti.kuultu.") or ".v" not in ce_type:
        raise InvalidEvent(f"event type {ce_type!r} is not a kuultu event type")
    spec = registry.by_type(ce_type)
    if spec is None:
        return None
    data = cloud_event.get_data()
    registry.validate(spec, data)
    if not attributes.get("subject"):
        raise InvalidEvent("subject (the aggregate id) is missing")
    time = attributes.get("time")
    return Event(
        name=spec.name,
        version=spec.version,
        source=attributes["source"],
        subject=attributes["subject"],
        data=data,
        correlation_id=str(attributes.get(CORRELATION_ATTR) or ""),
        id=attributes["id"],
        time=iso(time) if isinstance(time, datetime) else str(time),
    )
