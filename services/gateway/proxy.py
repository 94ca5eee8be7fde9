"""Helpers every gateway route module uses: call a service, pass its answer on, render pages."""

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from services.common.actor import Actor
from services.common.httpapi import CORRELATION_HEADER
from services.gateway.auth import current_actor
from services.gateway.clients import Reply
from services.gateway.i18n import COOKIE, LANGUAGES, choose_language, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


async def call(request: Request, service: str, method: str, path: str,
               actor: Actor | None = None, **kwargs) -> Reply:
    """Calls a service; `actor` (a checked staff member) is passed on as trusted headers."""
    headers = {CORRELATION_HEADER: request.state.correlation_id}
    if actor is not None:
        headers.update(actor.to_headers())
    client = request.app.state.clients[service]
    return await client.request(method, path, headers=headers, **kwargs)


def as_json(reply: Reply) -> JSONResponse:
    """The service's answer, status and reasons included, unchanged."""
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


async def forward(request: Request, service: str, method: str, path: str, **kwargs):
    return as_json(await call(request, service, method, path, **kwargs))


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """Renders a page in the user's language; the signed-in staff member (if any) and the
    session's CSRF token are available to every template."""
    state = request.app.state
    actor = getattr(request.state, "actor", None) or current_actor(request)
    language = choose_language(request)
    response = TEMPLATES.TemplateResponse(
        request, template,
        {"mode": state.mode, "notice": state.notice, "lang": language,
         "languages": LANGUAGES, "t": translator(language), "actor": actor,
         "csrf_token": getattr(request.state, "csrf", ""), **context},
        status_code=status,
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response
