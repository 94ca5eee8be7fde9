"""The gateway application: public API, pages, health and metrics.

It composes the services' internal APIs and holds no domain logic: validation and rules
live in the services, whose answers (including 4xx reasons) are passed on unchanged.
Each service's public routes live in their own module under `routes/`.
"""

import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common import metrics
from services.common.actor import Actor
from services.common.httpapi import CORRELATION_HEADER, error_body
from services.gateway.auth import SignInRequired, TokenVerifier, require
from services.gateway.clients import ServiceClient
from services.gateway.oidc import OidcClient
from services.gateway.proxy import call, page
from services.gateway.routes import (
    auth,
    evaluation,
    feedback,
    notifications,
    open311,
    pages,
    projects,
    staff,
    tables,
)
from services.gateway.security import BodySizeLimit, add_security_headers
from services.gateway.sessions import SessionCodec

log = structlog.get_logger(__name__)
REQUESTS = Counter("kuultu_gateway_requests", "Gateway requests", ["method", "route", "status"])
LATENCY = Histogram("kuultu_gateway_request_seconds", "Gateway request latency", ["route"])


class ContextAndHeaders:
    """Per request: the correlation id (taken or made, bound to the logs, set on the answer),
    the security headers, and the request metrics. A plain ASGI middleware: Starlette's
    `@app.middleware("http")` wraps every request in a task group and streams, a tenth of the
    gateway's CPU under load."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = (Headers(scope=scope).get(CORRELATION_HEADER)
                          or str(uuid.uuid4()))
        scope.setdefault("state", {})["correlation_id"] = correlation_id  # request.state
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[CORRELATION_HEADER] = correlation_id
                add_security_headers(scope["path"], scope["scheme"], headers)
            await send(message)

        try:
            with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
                await self.app(scope, receive, send_with_headers)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], path, status).inc()
            LATENCY.labels(path).observe(time.perf_counter() - started)
ROUTE_MODULES = (feedback, open311, tables, projects, evaluation, notifications, pages, auth, staff)


def _wants_html(request: Request) -> bool:
    return (not request.url.path.startswith(("/api/", "/open311/"))
            and "text/html" in request.headers.get("accept", ""))


def create_app(clients: dict[str, ServiceClient], *, mode: str = "real stack",
               notice: str | None = None, verifier: TokenVerifier | None = None,
               oidc: OidcClient | None = None, sessions: SessionCodec | None = None,
               cors_origins: list[str] | None = None, max_body: int = 256 * 1024) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for client in clients.values():
            await client.close()

    app = FastAPI(
        lifespan=lifespan,
        title="kuultu",
        version="0.1.0",
        description="Lahti's resident participation platform: the public API.",
    )
    app.state.clients = clients
    app.state.mode = mode
    app.state.notice = notice
    app.state.verifier = verifier
    app.state.oidc = oidc
    app.state.sessions = sessions or SessionCodec()
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), "static")

    app.add_middleware(ContextAndHeaders)
    app.add_middleware(BodySizeLimit, limit=max_body)
    if cors_origins:  # an allow-list: browsers elsewhere may read the public API
        app.add_middleware(CORSMiddleware, allow_origins=cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["content-type"],
                           allow_credentials=False, max_age=600)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired):
        return RedirectResponse(f"/auth/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _wants_html(request) and exc.status_code in (403, 404):
            title = "Page not found" if exc.status_code == 404 else "Not allowed"
            return page(request, "error.html", status=exc.status_code, title=title)
        body = exc.detail if isinstance(exc.detail, dict) else error_body(
            "not_found" if exc.status_code == 404 else "http_error", str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # A generic answer that leaks nothing; the details go to the log.
        log.exception("gateway_error", path=request.url.path)
        if _wants_html(request):
            return page(request, "error.html", status=500, title="Something went wrong")
        return JSONResponse(error_body("internal", "Internal error."), status_code=500)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return JSONResponse(error_body("validation_failed", "The request is invalid.", fields), 422)

    @app.get("/healthz", tags=["operations"])
    async def healthz():
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", tags=["operations"])
    async def readyz():
        """The gateway itself can serve. It does not depend on every service being ready:
        one unready service must not take the whole public site out of rotation."""
        return {"status": "ready", "service": "gateway"}

    @app.get("/statusz", tags=["operations"])
    async def statusz(request: Request):
        """Readiness of every service behind the gateway, for operators and dashboards."""
        states = {}
        for name in clients:
            reply = await call(request, name, "GET", "/readyz")
            states[name] = "ready" if reply.status == 200 else "unavailable"
        ready = all(s == "ready" for s in states.values())
        return JSONResponse({"status": "ready" if ready else "unavailable", "services": states},
                            status_code=200 if ready else 503,
                            headers={} if ready else {"Retry-After": "5"})

    @app.get("/api/v1/staff/whoami", tags=["staff"])
    async def whoami(actor: Annotated[Actor, Depends(require())]):
        """The signed-in staff member as the platform sees them."""
        return {"id": actor.id, "roles": sorted(actor.roles), "unit": actor.unit}

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint():
        payload, content_type = metrics.render()
        return Response(payload, media_type=content_type)

    for module in ROUTE_MODULES:
        app.include_router(module.router)
    return app
