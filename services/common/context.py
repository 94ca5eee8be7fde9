"""What a service's handlers get besides the request or event: framework-free."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.common import store
from services.common.envelope import utcnow


@dataclass
class ServiceContext:
    service: str
    topic: str | None = None  # the topic this service's events go to
    after_write: Callable[[], None] = lambda: None  # wakes the outbox relay
    clock: Callable[[], datetime] = utcnow
    settings: dict = field(default_factory=dict)
    bus: object | None = None  # the embedded default's in-process bus (a rebuild replays it)

    def ping(self) -> None:
        store.ping(self.service)
