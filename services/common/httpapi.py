"""A tiny framework-free HTTP API: routes map to plain handler functions.

The same router is served by nameko's @http entrypoint on the real stack and called
directly by the gateway in the embedded default, so both run the same code.
"""

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from services.common.consuming import TRANSIENT_ERRORS
from services.common.errors import DomainError

log = structlog.get_logger(__name__)
CORRELATION_HEADER = "x-correlation-id"
# Unix time by which a caller needs the handler to have started (see Router._call).
DEADLINE_HEADER = "x-kuultu-start-by"


@dataclass
class Request:
    method: str
    path: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    params: dict[str, str] = field(default_factory=dict)  # from the path pattern

    @property
    def correlation_id(self) -> str:
        return self.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())

    def json_object(self) -> dict:
        if not isinstance(self.body, dict):
            raise DomainError("The request body must be a JSON object.")
        return self.body


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    body = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


Handler = Callable[[Request, Any], Response]


class Router:
    def __init__(self):
        self._routes: list[tuple[str, re.Pattern, Handler]] = []

    def route(self, method: str, pattern: str):
        regex = re.compile(
            "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/") or "/") + "/?$"
        )

        def register(handler: Handler) -> Handler:
            self._routes.append((method.upper(), regex, handler))
            return handler

        return register

    def dispatch(self, request: Request, deps: Any) -> Response:
        allowed = []
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if not match:
                continue
            if method != request.method.upper():
                allowed.append(method)
                continue
            request.params = match.groupdict()
            return self._call(handler, request, deps)
        if allowed:
            return Response(405, error_body("method_not_allowed", "Method not allowed."),
                            {"Allow": ", ".join(allowed)})
        return Response(404, error_body("not_found", f"No such resource: {request.path}"))

    @staticmethod
    def _call(handler: Handler, request: Request, deps: Any) -> Response:
        with structlog.contextvars.bound_contextvars(correlation_id=request.correlation_id):
            if _too_late(request):
                # It waited in a queue (e.g. while the database was away) until its caller
                # gave up and answered 503: storing it now would make a retry a duplicate.
                log.warning("start_deadline_passed", path=request.path)
                return Response(
                    503,
                    error_body("unavailable", "Temporarily unavailable, please retry."),
                    {"Retry-After": "5"},
                )
            try:
                return handler(request, deps)
            except DomainError as exc:
                return Response(exc.status, error_body(exc.code, exc.message, exc.fields))
            except TRANSIENT_ERRORS as exc:
                # Never a 201 that could be lost: the client is told to come back.
                log.warning("service_unavailable", error=repr(exc))
                return Response(
                    503,
                    error_body("unavailable", "Temporarily unavailable, please retry."),
                    {"Retry-After": "5"},
                )
            except Exception:
                log.exception("unhandled_error", path=request.path)
                return Response(500, error_body("internal", "Internal error."))


def _too_late(request: Request) -> bool:
    deadline = request.headers.get(DEADLINE_HEADER)
    try:
        return deadline is not None and time.time() > float(deadline)
    except ValueError:
        return False
