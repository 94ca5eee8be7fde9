"""The gateway application: public API, landing page, health and metrics.

It composes the services' internal APIs and holds no domain logic: validation and rules
live in the services, whose answers (including 4xx reasons) are passed on unchanged.
"""

import time
import uuid
from pathlib import Path
from typing import Any

import structlog
from fastapi import Body, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import Counter, Histogram

from services.common import metrics
from services.common.httpapi import CORRELATION_HEADER, error_body
from services.gateway.clients import Reply, ServiceClient

log = structlog.get_logger(__name__)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
REQUESTS = Counter("kuultu_gateway_requests", "Gateway requests", ["method", "route", "status"])
LATENCY = Histogram("kuultu_gateway_request_seconds", "Gateway request latency", ["route"])

FEEDBACK_EXAMPLE = {
    "text": "Liipolan puistoon toivotaan lisää penkkejä ja valaistusta.",
    "kind": "idea",
    "area": "itainen",
    "channel": "omalahti",
    "language": "fi",
}


def _json(reply: Reply) -> JSONResponse:
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


def create_app(clients: dict[str, ServiceClient], *, mode: str = "real stack",
               notice: str | None = None) -> FastAPI:
    app = FastAPI(
        title="kuultu",
        version="0.1.0",
        description="Lahti's resident participation platform: the public API.",
    )
    app.state.clients = clients
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), "static")

    @app.middleware("http")
    async def context_and_headers(request: Request, call_next):
        correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            request.state.correlation_id = correlation_id
            response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        REQUESTS.labels(request.method, path, response.status_code).inc()
        LATENCY.labels(path).observe(time.perf_counter() - started)
        response.headers[CORRELATION_HEADER] = correlation_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not path.startswith("/docs"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
            )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return JSONResponse(error_body("validation_failed", "The request is invalid.", fields), 422)

    async def call(request: Request, service: str, method: str, path: str, **kwargs) -> Reply:
        headers = {CORRELATION_HEADER: request.state.correlation_id}
        return await clients[service].request(method, path, headers=headers, **kwargs)

    # --- health and metrics -------------------------------------------------------------
    @app.get("/healthz", tags=["operations"])
    async def healthz():
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request):
        states = {}
        for name in clients:
            reply = await call(request, name, "GET", "/readyz")
            states[name] = "ready" if reply.status == 200 else "unavailable"
        ready = all(s == "ready" for s in states.values())
        return JSONResponse({"status": "ready" if ready else "unavailable", "services": states},
                            status_code=200 if ready else 503,
                            headers={} if ready else {"Retry-After": "5"})

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics_endpoint():
        payload, content_type = metrics.render()
        return Response(payload, media_type=content_type)

    # --- public API ---------------------------------------------------------------------
    @app.post("/api/v1/feedback", status_code=201, tags=["feedback"],
              responses={422: {"description": "A reason for each invalid field"},
                         503: {"description": "Not stored; retry after Retry-After seconds"}})
    async def give_feedback(request: Request,
                            payload: dict[str, Any] = Body(..., examples=[FEEDBACK_EXAMPLE])):
        """Give feedback, an idea, an experience, a question, praise, a complaint or an
        initiative. A 201 means it is stored durably; keep the receipt code to follow it."""
        return _json(await call(request, "feedback", "POST", "/feedback", json=payload))

    @app.get("/api/v1/feedback/receipts/{code}", tags=["feedback"])
    async def follow_feedback(request: Request, code: str):
        """Follow feedback by its receipt code: status and history, without personal data."""
        return _json(await call(request, "feedback", "GET", f"/feedback/receipts/{code}"))

    @app.get("/api/v1/evaluation/summary", tags=["evaluation"])
    async def evaluation_summary(request: Request, month: str | None = None,
                                 year: str | None = None, area: str | None = None,
                                 unit: str | None = None):
        """Counts derived from the event flow, optionally for one month, year, area or unit."""
        params = {k: v for k, v in
                  {"month": month, "year": year, "area": area, "unit": unit}.items() if v}
        return _json(await call(request, "evaluation", "GET", "/summary", params=params))

    # --- pages --------------------------------------------------------------------------
    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(
            request, name, {"mode": mode, "notice": notice, **context}, status_code=status
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def landing(request: Request):
        summary = await call(request, "evaluation", "GET", "/summary")
        return page(request, "landing.html",
                    summary=summary.body if summary.status == 200 else None)

    @app.post("/feedback", response_class=HTMLResponse, include_in_schema=False)
    async def feedback_form(request: Request, text: str = Form(""), kind: str = Form(""),
                            area: str = Form(""), language: str = Form("fi")):
        payload = {"text": text, "kind": kind or None, "area": area or None,
                   "channel": "omalahti", "language": language}
        reply = await call(request, "feedback", "POST", "/feedback", json=payload)
        if reply.status == 201:
            return page(request, "receipt.html", status=201, receipt=reply.body)
        summary = await call(request, "evaluation", "GET", "/summary")
        return page(request, "landing.html", status=reply.status, errors=reply.body,
                    form=payload, summary=summary.body if summary.status == 200 else None)

    @app.get("/feedback/receipt", response_class=HTMLResponse, include_in_schema=False)
    async def receipt_page(request: Request, code: str = ""):
        reply = await call(request, "feedback", "GET", f"/feedback/receipts/{code.strip()}")
        return page(request, "status.html", status=reply.status, reply=reply.body,
                    found=reply.status == 200, code=code)

    @app.on_event("shutdown")
    async def close_clients():
        for client in clients.values():
            await client.close()

    return app
