"""Staff authentication: bearer JWTs from the city's OpenID Connect issuer, checked against
the issuer's published keys (algorithm allow-list; exp, nbf, iss and aud verified).

In the embedded default a local development issuer stands in (services/gateway/dev_issuer.py).
Roles come from the token's `roles` claim, the unit from its `unit` claim.
"""

import os
from dataclasses import dataclass

import jwt
import structlog
from fastapi import HTTPException, Request

from services.common.actor import ROLES, Actor

log = structlog.get_logger(__name__)
ALGORITHMS = ["RS256", "ES256"]  # never "none", never HMAC with a public key


@dataclass
class TokenVerifier:
    issuer: str
    audience: str
    keys: object  # a PyJWKClient (real issuer) or a public key (development issuer)

    def verify(self, token: str) -> Actor:
        if isinstance(self.keys, jwt.PyJWKClient):
            key = self.keys.get_signing_key_from_jwt(token).key
        else:
            key = self.keys
        claims = jwt.decode(
            token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]}, leeway=30,
        )
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


def _unauthorized(request: Request, reason: str) -> HTTPException:
    log.warning("sign_in_failed", reason=reason, path=request.url.path,
                client=request.client.host if request.client else None)
    return HTTPException(401, detail={"error": "unauthorized", "message": reason},
                         headers={"WWW-Authenticate": 'Bearer realm="kuultu"'})


def require(*roles: str):
    """A FastAPI dependency: the signed-in staff member with one of `roles` (admin always)."""

    def dependency(request: Request) -> Actor:
        verifier: TokenVerifier | None = request.app.state.verifier
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise _unauthorized(request, "Sign in: a bearer token is required.")
        if verifier is None:
            raise _unauthorized(request, "No identity provider is configured.")
        try:
            actor = verifier.verify(header.split(" ", 1)[1].strip())
        except (jwt.PyJWTError, ValueError) as exc:
            raise _unauthorized(request, f"The token was refused: {exc}") from exc
        if roles and not actor.has(*roles):
            log.warning("authorization_refused", actor=actor.id, roles=sorted(actor.roles),
                        needed=list(roles), path=request.url.path)
            raise HTTPException(403, detail={"error": "forbidden",
                                             "message": f"Needs one of: {', '.join(roles)}."})
        return actor

    return dependency
