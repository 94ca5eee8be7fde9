"""Staff authentication and authorization.

API clients send bearer JWTs from the city's OpenID Connect issuer, checked against the
issuer's published keys (algorithm allow-list; exp, nbf, iss and aud verified). Browsers sign
in with the authorization code flow (routes/auth.py) and then carry a signed session cookie;
a state-changing request on a cookie session must prove it comes from our own pages (CSRF).
Roles come from the token's `roles` claim, the unit from its `unit` claim.
"""

import os
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import jwt
import structlog
from fastapi import HTTPException, Request

from services.common.actor import ROLES, Actor
from services.gateway.sessions import SESSION_COOKIE

log = structlog.get_logger(__name__)
ALGORITHMS = ["RS256", "ES256"]  # never "none", never HMAC with a public key
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


@dataclass
class TokenVerifier:
    issuer: str
    audience: str
    keys: object  # a PyJWKClient (real issuer) or a public key (development issuer)

    def verify(self, token: str, nonce: str | None = None) -> Actor:
        if isinstance(self.keys, jwt.PyJWKClient):
            key = self.keys.get_signing_key_from_jwt(token).key
        else:
            key = self.keys
        claims = jwt.decode(
            token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]}, leeway=30,
        )
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise jwt.InvalidTokenError("nonce mismatch")
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = roles.split()
        return Actor(claims["sub"], frozenset(r for r in roles if r in ROLES), claims.get("unit"))


def verifier_from_env() -> TokenVerifier | None:
    """The city's issuer, configured by KUULTU_OIDC_ISSUER and KUULTU_OIDC_CLIENT_ID."""
    issuer = os.environ.get("KUULTU_OIDC_ISSUER")
    if not issuer:
        return None
    jwks_url = os.environ.get("KUULTU_OIDC_JWKS_URL") or issuer.rstrip("/") + "/jwks"
    return TokenVerifier(issuer, os.environ.get("KUULTU_OIDC_CLIENT_ID", "kuultu"),
                         jwt.PyJWKClient(jwks_url, cache_keys=True))


class SignInRequired(Exception):
    """Raised for a page: the app answers with a redirect to the sign-in."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def _unauthorized(request: Request, reason: str) -> HTTPException:
    log.warning("sign_in_failed", reason=reason, path=request.url.path,
                client=request.client.host if request.client else None)
    return HTTPException(401, detail={"error": "unauthorized", "message": reason},
                         headers={"WWW-Authenticate": 'Bearer realm="kuultu"'})


def _same_origin(request: Request) -> bool:
    """Browsers send Origin (or at least Referer) with a form POST: it must be us."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    origin = urlsplit(source)
    return (origin.scheme, origin.netloc) == (request.url.scheme, request.url.netloc)


async def _check_csrf(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = (await request.form()).get("csrf_token")
    if sent is not None:
        if secrets.compare_digest(str(sent), expected):
            return
    elif _same_origin(request):
        return
    log.warning("csrf_refused", path=request.url.path)
    raise HTTPException(403, detail={"error": "csrf", "message":
                                     "The request did not come from a kuultu page; reload and retry."})


def _actor_from_bearer(request: Request, header: str) -> Actor:
    verifier: TokenVerifier | None = request.app.state.verifier
    if verifier is None:
        raise _unauthorized(request, "No identity provider is configured.")
    try:
        return verifier.verify(header.split(" ", 1)[1].strip())
    except (jwt.PyJWTError, ValueError) as exc:
        raise _unauthorized(request, f"The token was refused: {exc}") from exc


def require(*roles: str, page: bool = False):
    """A FastAPI dependency: the signed-in staff member with one of `roles` (admin always).
    With `page=True` an anonymous visitor is sent to the sign-in instead of getting a 401."""

    async def dependency(request: Request) -> Actor:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            actor = _actor_from_bearer(request, header)
        else:
            session = request.app.state.sessions.read(request.cookies.get(SESSION_COOKIE))
            if session is None:
                if page:
                    raise SignInRequired(quote(str(request.url.path)))
                raise _unauthorized(request, "Sign in: a bearer token or a session is required.")
            actor, csrf = session
            request.state.csrf = csrf
            await _check_csrf(request, csrf)
        request.state.actor = actor
        if roles and not actor.has(*roles):
            log.warning("authorization_refused", actor=actor.id, roles=sorted(actor.roles),
                        needed=list(roles), path=request.url.path)
            raise HTTPException(403, detail={"error": "forbidden",
                                             "message": f"Needs one of: {', '.join(roles)}."})
        return actor

    return dependency


def current_actor(request: Request) -> Actor | None:
    """For pages that show who is signed in, without requiring it."""
    session = request.app.state.sessions.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    request.state.csrf = session[1]
    return session[0]
