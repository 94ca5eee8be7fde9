"""Per-client limits on anonymous writes (feedback, Open311, applications, subscriptions):
429 with Retry-After instead of letting one address flood the city's inboxes."""

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request


@dataclass
class RateLimiter:
    """Token buckets per client: `capacity` submissions at once, refilled at capacity per
    `window` seconds. In-process: with several gateway replicas each one limits separately,
    so a client may send up to replicas x capacity per window."""

    capacity: int
    window: float
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 50_000  # memory bound; full buckets are forgotten first
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_setting(cls, value: str | None, default: str) -> "RateLimiter | None":
        """`20/60` is 20 per 60 seconds; `off` turns the limit off."""
        text = (value or default).strip().lower()
        if text in ("off", "0", "none"):
            return None
        count, _, seconds = text.partition("/")
        return cls(int(count), float(seconds or 60))

    def retry_after(self, client: str) -> int | None:
        """None when the submission may go ahead (and counts it), else seconds to wait."""
        now = self.clock()
        rate = self.capacity / self.window
        tokens, then = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > self.max_clients:
                self._forget(now)
            return None
        self._buckets[client] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / rate))

    def _forget(self, now: float) -> None:
        refilled = [c for c, (_t, then) in self._buckets.items() if now - then >= self.window]
        for client in refilled:
            del self._buckets[client]
        if len(self._buckets) > self.max_clients:  # a flood of addresses: oldest go first
            by_age = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in by_age[: len(self._buckets) - self.max_clients]:
                del self._buckets[client]


def limiter(request: Request, name: str, setting: str, default: str) -> RateLimiter | None:
    """The app's limiter called `name`, made on first use from the environment."""
    state = request.app.state
    if not hasattr(state, name):
        setattr(state, name, RateLimiter.from_setting(os.environ.get(setting), default))
    return getattr(state, name)


def client_address(request: Request) -> str:
    """The client's address; behind a proxy, uvicorn takes it from X-Forwarded-For when the
    proxy is trusted (FORWARDED_ALLOW_IPS), otherwise every client looks like the proxy."""
    return request.client.host if request.client else "unknown"
