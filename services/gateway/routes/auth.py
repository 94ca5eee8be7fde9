"""Staff sign-in with the OpenID Connect authorization code flow (PKCE), sign-out, and the
development issuer's sign-in page when it stands in for the city's identity provider."""

import os
import secrets
from typing import Annotated
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.common.actor import ROLES, Actor
from services.gateway import dev_issuer
from services.gateway.auth import require
from services.gateway.oidc import pkce_pair
from services.gateway.proxy import page
from services.gateway.sessions import LOGIN_COOKIE, LOGIN_SECONDS, SESSION_COOKIE, SESSION_SECONDS

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)


def _redirect_uri(request: Request) -> str:
    public = os.environ.get("KUULTU_PUBLIC_URL")
    if public:
        return public.rstrip("/") + "/auth/callback"
    return str(request.url_for("auth_callback"))


def _safe_next(value: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/staff"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/auth/login")
async def login(request: Request, next: str | None = None):
    oidc = request.app.state.oidc
    if oidc is None:
        raise HTTPException(503, detail={"error": "unavailable",
                                         "message": "Sign-in is not configured."})
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    target = oidc.authorization_url(redirect_uri=_redirect_uri(request), state=state,
                                    challenge=challenge, nonce=nonce)
    response = RedirectResponse(target, status_code=303)
    pending = {"state": state, "verifier": verifier, "nonce": nonce, "next": _safe_next(next)}
    response.set_cookie(LOGIN_COOKIE, request.app.state.sessions.dump_login(pending),
                        max_age=LOGIN_SECONDS, httponly=True, samesite="lax",
                        secure=_secure(request), path="/auth")
    return response


@router.get("/auth/callback", name="auth_callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = ""):
    pending = request.app.state.sessions.load_login(request.cookies.get(LOGIN_COOKIE))
    if error or pending is None or not secrets.compare_digest(state, pending["state"]):
        log.warning("sign_in_failed", reason=error or "state missing or mismatched")
        return page(request, "auth/failed.html", status=400)
    try:
        actor = await request.app.state.oidc.exchange(
            code=code, verifier=pending["verifier"], redirect_uri=_redirect_uri(request),
            nonce=pending["nonce"])
    except Exception as exc:  # a refused code, a bad token, the provider away: no session
        log.warning("sign_in_failed", reason=repr(exc))
        return page(request, "auth/failed.html", status=400)
    value, _csrf = request.app.state.sessions.issue(actor)
    response = RedirectResponse(pending["next"], status_code=303)
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_SECONDS, httponly=True,
                        samesite="lax", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    log.info("signed_in", actor=actor.id, roles=sorted(actor.roles))
    return response


@router.post("/auth/logout")
async def logout(request: Request, actor: Annotated[Actor, Depends(require())]):
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- the development issuer's own sign-in page (embedded default and local runs) ----------

def _dev_only(request: Request) -> None:
    if not isinstance(request.app.state.oidc, dev_issuer.DevOidcClient):
        raise HTTPException(404)


@router.get(dev_issuer.AUTHORIZE_PATH, response_class=HTMLResponse,
            dependencies=[Depends(_dev_only)])
async def dev_authorize_form(request: Request, redirect_uri: str, state: str,
                             code_challenge: str, nonce: str):
    return page(request, "auth/dev_issuer.html", roles=ROLES, redirect_uri=redirect_uri,
                state=state, code_challenge=code_challenge, nonce=nonce)


@router.post(dev_issuer.AUTHORIZE_PATH, dependencies=[Depends(_dev_only)])
async def dev_authorize(request: Request, redirect_uri: Annotated[str, Form()],
                        state: Annotated[str, Form()], code_challenge: Annotated[str, Form()],
                        nonce: Annotated[str, Form()], role: Annotated[str, Form()],
                        name: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = ""):
    if role not in ROLES or redirect_uri != _redirect_uri(request):
        raise HTTPException(400, detail={"error": "bad_request", "message": "Unknown role or "
                                         "redirect address."})
    code = dev_issuer.issue_code(role=role, unit=unit.strip() or None,
                                 subject=name.strip() or f"dev-{role}", redirect_uri=redirect_uri,
                                 challenge=code_challenge, nonce=nonce)
    return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}",
                            status_code=303)
