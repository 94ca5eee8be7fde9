"""The embedded default: every service in one process with an in-process bus and an
in-memory store, behind the same gateway. No servers to install; data is gone on exit."""

import threading
from dataclasses import dataclass, field
from functools import partial

from services.common import store
from services.common.consuming import RecordProcessor
from services.common.context import ServiceContext
from services.common.inprocess_bus import InProcessBus, InProcessConsumer
from services.common.outbox import OutboxRelay
from services.common.ticker import Ticker
from services.common.topology import SERVICES
from services.common.wiring import wiring_of
from services.gateway import dev_issuer
from services.gateway.app import create_app
from services.gateway.clients import InProcessClient

NOTICE = "Embedded mode: all data is kept in memory and is lost when kuultu stops."


class _Locked:
    """Runs a callable under the embedded store's lock (mongomock is not thread-safe)."""

    def __init__(self, lock, fn):
        self.lock, self.fn = lock, fn

    def __call__(self, *args, **kwargs):
        with self.lock:
            return self.fn(*args, **kwargs)


@dataclass
class Embedded:
    bus: InProcessBus = field(default_factory=InProcessBus)
    lock: threading.RLock = field(default_factory=threading.RLock)
    contexts: dict[str, ServiceContext] = field(default_factory=dict)
    relays: list[OutboxRelay] = field(default_factory=list)
    consumers: dict[str, InProcessConsumer] = field(default_factory=dict)
    tickers: list[Ticker] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for runner in [*self.relays, *self.consumers.values(), *self.tickers]:
            thread = threading.Thread(target=runner.run, daemon=True, name=repr(runner))
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        for runner in [*self.relays, *self.consumers.values(), *self.tickers]:
            runner.stop()
        for thread in self.threads:
            thread.join(timeout=5)

    def clients(self) -> dict[str, InProcessClient]:
        return {name: InProcessClient(wiring_of(name).router, self.contexts[name], self.lock)
                for name in SERVICES}

    def app(self):
        return create_app(self.clients(), mode="embedded", notice=NOTICE,
                          verifier=dev_issuer.token_verifier(), oidc=dev_issuer.DevOidcClient())


def build() -> Embedded:
    platform = Embedded()
    for name, spec in SERVICES.items():
        wiring = wiring_of(name)
        store.disconnect(name)
        store.connect_embedded(name)
        relay = OutboxRelay(name, wiring.documents, platform.bus.publish)
        relay.relay_once = _Locked(platform.lock, relay.relay_once)
        if wiring.documents:
            platform.relays.append(relay)
        tickers: dict[str, Ticker] = {}
        context = ServiceContext(service=name, topic=spec.topic, after_write=relay.kick,
                                 bus=platform.bus, wake=lambda work, t=tickers: t[work].wake())
        platform.contexts[name] = context
        for periodic in wiring.periodic:
            tickers[periodic.name] = Ticker(
                f"{name}.{periodic.name}", _Locked(platform.lock, partial(periodic.run, context)),
                periodic.interval, periodic.eager)
        platform.tickers.extend(tickers.values())
        if wiring.handlers:
            processor = RecordProcessor(
                service=name,
                group=spec.group_id,
                handlers={event: _Locked(platform.lock, partial(wiring.handle, ctx=context))
                          for event in wiring.handlers},
                dead_letters=platform.bus.publish,
            )
            platform.consumers[name] = InProcessConsumer(platform.bus, list(spec.consumes),
                                                         processor)
    return platform
