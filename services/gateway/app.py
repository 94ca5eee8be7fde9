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
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import Counter, Histogram

from services.common import metrics
from services.common.actor import Actor
from services.common.httpapi import CORRELATION_HEADER, error_body
from services.gateway.auth import TokenVerifier, require
from services.gateway.clients import ServiceClient
from services.gateway.proxy import call
from services.gateway.routes import evaluation, feedback, notifications, pages, projects, tables

log = structlog.get_logger(__name__)
REQUESTS = Counter("kuultu_gateway_requests", "Gateway requests", ["method", "route", "status"])
LATENCY = Histogram("kuultu_gateway_request_seconds", "Gateway request latency", ["route"])
ROUTE_MODULES = (feedback, tables, projects, evaluation, notifications, pages)
CSP = "default-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"


def create_app(clients: dict[str, ServiceClient], *, mode: str = "real stack",
               notice: str | None = None, verifier: TokenVerifier | None = None) -> FastAPI:
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
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), "static")

    @app.middleware("http")
    async def context_and_headers(request: Request, call_next):
        correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            request.state.correlation_id = correlation_id
            response = await call_next(request)
        path = getattr(request.scope.get("route"), "path", "unmatched")
        REQUESTS.labels(request.method, path, response.status_code).inc()
        LATENCY.labels(path).observe(time.perf_counter() - started)
        response.headers[CORRELATION_HEADER] = correlation_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not path.startswith("/docs"):  # Swagger UI loads its own scripts
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

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
