"""How the gateway reaches a service: over HTTP on the real stack, or by calling the same
router in-process in the embedded default."""

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import httpx

from services.common.context import ServiceContext
from services.common.httpapi import DEADLINE_HEADER, Request, Router, error_body


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ServiceClient(Protocol):
    async def request(self, method: str, path: str, *, json: Any = None,
                      params: dict | None = None, headers: dict | None = None) -> Reply: ...

    async def close(self) -> None: ...


def unavailable(service: str) -> Reply:
    return Reply(503, error_body("unavailable", f"The {service} service is temporarily "
                                 "unavailable, please retry."), {"Retry-After": "5"})


class HttpServiceClient:
    # A service refuses (503) a request it could not start within this many seconds; the
    # rest of the timeout covers the handler (a database that is away takes 5 s to give up),
    # so a request the gateway answered 503 for is never stored afterwards.
    START_WITHIN = 3.0

    # A nameko service runs 10 workers at once (its max_workers): more connections only
    # queue there. httpcore checks every pooled connection on every request (a poll system
    # call each), so a pool of 100 cost the gateway a third of its CPU under load. A request
    # that gets no connection within START_WITHIN would be refused by the service anyway.
    CONNECTIONS = 20

    def __init__(self, name: str, base_url: str, timeout: float = 10.0):
        self.name = name
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout, pool=self.START_WITHIN),
            limits=httpx.Limits(max_connections=self.CONNECTIONS,
                                max_keepalive_connections=self.CONNECTIONS),
        )

    async def request(self, method, path, *, json=None, params=None, headers=None) -> Reply:
        try:
            start_by = {DEADLINE_HEADER: f"{time.time() + self.START_WITHIN:.3f}"}
            response = await self._client.request(
                method, path, json=json, params=params, headers={**(headers or {}), **start_by}
            )
        except httpx.TransportError:
            return unavailable(self.name)
        passed = {k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "allow")}
        try:
            body = response.json()
        except ValueError:
            body = error_body("bad_gateway", f"The {self.name} service gave an unreadable answer.")
            return Reply(502, body)
        return Reply(response.status_code, body, passed)

    async def close(self) -> None:
        await self._client.aclose()


class InProcessClient:
    """Calls the service's router directly. The lock serialises access to the embedded store,
    which is not thread-safe."""

    def __init__(self, router: Router, context: ServiceContext, lock: threading.RLock):
        self.router = router
        self.context = context
        self.lock = lock

    def _call(self, request: Request) -> Reply:
        with self.lock:
            response = self.router.dispatch(request, self.context)
        return Reply(response.status, response.body, response.headers)

    async def request(self, method, path, *, json=None, params=None, headers=None) -> Reply:
        request = Request(
            method=method, path=path, body=json, query=dict(params or {}),
            headers={k.lower(): v for k, v in (headers or {}).items()},
        )
        return await anyio.to_thread.run_sync(self._call, request)

    async def close(self) -> None:
        pass
