"""A local development identity issuer for the embedded default and local runs: an RSA key in
the user's config folder (so `kuultu dev-token` and a running `kuultu run` agree) and a tiny
authorization-code endpoint with PKCE, so the browser sign-in works exactly as with the
city's issuer. Never enabled on Kubernetes."""

import base64
import hashlib
import os
import secrets
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.common.actor import Actor
from services.gateway.auth import TokenVerifier
from services.gateway.oidc import LoginRefused

ISSUER = "http://127.0.0.1/kuultu-dev-issuer"
AUDIENCE = "kuultu"
AUTHORIZE_PATH = "/dev-issuer/authorize"
_codes: dict[str, dict] = {}  # one-time authorization codes, kept a minute


def key_path() -> Path:
    base = os.environ.get("KUULTU_DEV_KEY") or Path.home() / ".config" / "kuultu" / "dev-issuer.pem"
    return Path(base)


def private_key():
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return serialization.load_pem_private_key(path.read_bytes(), password=None)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def mint(role: str, unit: str | None = None, subject: str | None = None,
         ttl: int = 8 * 3600, nonce: str | None = None) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject or f"dev-{role}-{uuid.uuid4().hex[:6]}",
              "iat": now, "nbf": now, "exp": now + ttl, "roles": [role]}
    if unit:
        claims["unit"] = unit
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, private_key(), algorithm="RS256")


def token_verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, private_key().public_key())


def issue_code(*, role: str, unit: str | None, subject: str, redirect_uri: str,
               challenge: str, nonce: str) -> str:
    code = secrets.token_urlsafe(24)
    _codes[code] = {"role": role, "unit": unit, "subject": subject, "nonce": nonce,
                    "redirect_uri": redirect_uri, "challenge": challenge,
                    "expires": time.monotonic() + 60}
    return code


def redeem(code: str, verifier_value: str, redirect_uri: str) -> str:
    grant = _codes.pop(code, None)
    if grant is None or grant["expires"] < time.monotonic():
        raise LoginRefused("unknown or expired code")
    if grant["redirect_uri"] != redirect_uri:
        raise LoginRefused("redirect_uri mismatch")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier_value.encode()).digest())
    if digest.rstrip(b"=").decode() != grant["challenge"]:
        raise LoginRefused("PKCE verifier does not match")
    return mint(grant["role"], unit=grant["unit"], subject=grant["subject"],
                nonce=grant["nonce"])


class DevOidcClient:
    """The gateway's OIDC client when the development issuer stands in (in-process)."""

    def authorization_url(self, *, redirect_uri, state, challenge, nonce) -> str:
        query = urlencode({"redirect_uri": redirect_uri, "state": state,
                           "code_challenge": challenge, "nonce": nonce})
        return f"{AUTHORIZE_PATH}?{query}"

    async def exchange(self, *, code, verifier, redirect_uri, nonce) -> Actor:
        return token_verifier().verify(redeem(code, verifier, redirect_uri), nonce=nonce)
