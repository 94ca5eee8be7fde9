"""What a service's handlers get besides the request or event: framework-free."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.common import store
from services.common.envelope import Event, utcnow
from services.common.outbox import OutboxDocument, save_with_events


@dataclass
class ServiceContext:
    service: str
    topic: str | None = None  # the topic this service's events go to
    after_write: Callable[[OutboxDocument, list[dict]], None] = lambda doc, pending: None  # kick
    clock: Callable[[], datetime] = utcnow
    settings: dict = field(default_factory=dict)
    bus: object | None = None  # the embedded default's in-process bus (a rebuild replays it)
    wake: Callable[[str], None] = lambda name: None  # runs the named periodic work at once

    def save_with_events(self, doc: OutboxDocument, events: list[Event]) -> None:
        """Stores the aggregate and its events in one write (see outbox.save_with_events),
        then hands the document to the relay, which publishes the events at once."""
        pending = save_with_events(doc, events, self.topic)
        if pending:
            self.after_write(doc, pending)

    def ping(self) -> None:
        store.ping(self.service)
