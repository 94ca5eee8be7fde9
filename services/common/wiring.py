"""What a service plugs into a runner (nameko on the real stack, or the embedded default):
its HTTP router, the aggregate documents whose outboxes are relayed, and its event handlers."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from services.common.context import ServiceContext
from services.common.envelope import Event
from services.common.httpapi import Router

EventHandler = Callable[[Event, ServiceContext], None]


@dataclass(frozen=True)
class Periodic:
    """Background work called every `interval` seconds with the service's context (e.g. a
    delivery worker), by a Ticker in whichever runner hosts the service; `ctx.wake(name)`
    runs it at once. `eager`: also once at start."""

    name: str
    interval: float
    run: Callable[[ServiceContext], object]
    eager: bool = True


@dataclass
class Wiring:
    router: Router
    documents: list = field(default_factory=list)  # OutboxDocument subclasses
    handlers: dict[str, EventHandler] = field(default_factory=dict)  # by event name
    periodic: list[Periodic] = field(default_factory=list)

    def handle(self, event: Event, ctx: ServiceContext) -> None:
        self.handlers[event.name](event, ctx)


def wiring_of(service: str) -> Wiring:
    return importlib.import_module(f"services.{service}.wiring").wiring
