"""Runs a service's periodic work (Wiring.periodic) in the embedded default and under nameko
alike: every `interval` seconds, or at once when woken (the notifications service wakes its
delivery worker when it queued messages, so they need not wait for the next tick)."""

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class Ticker:
    def __init__(self, name: str, work: Callable[[], object], interval: float,
                 eager: bool = True):
        self.name, self.work, self.interval, self.eager = name, work, interval, eager
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        if not self.eager:
            self._wake.wait(self.interval)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.work()
            except Exception:  # keep ticking: the next pass retries whatever failed
                log.exception("periodic_work_failed", work=self.name)
            self._wake.wait(self.interval)

    def __repr__(self) -> str:
        return f"Ticker({self.name})"
