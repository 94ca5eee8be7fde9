"""Routes every service has: liveness and readiness."""

from services.common.context import ServiceContext
from services.common.httpapi import Request, Response, Router


def add_health_routes(router: Router) -> None:
    @router.route("GET", "/healthz")
    def healthz(request: Request, ctx: ServiceContext) -> Response:
        return Response(200, {"status": "ok", "service": ctx.service})

    @router.route("GET", "/readyz")
    def readyz(request: Request, ctx: ServiceContext) -> Response:
        ctx.ping()  # a TransientError becomes 503 with Retry-After
        return Response(200, {"status": "ready", "service": ctx.service})
