"""A local development identity issuer for the embedded default: an RSA key kept in the
user's config folder, so `kuultu dev-token` and a running `kuultu run` agree."""

import os
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.gateway.auth import TokenVerifier

ISSUER = "http://127.0.0.1/kuultu-dev-issuer"
AUDIENCE = "kuultu"


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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def mint(role: str, unit: str | None = None, subject: str | None = None,
         ttl: int = 8 * 3600) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject or f"dev-{role}-{uuid.uuid4().hex[:6]}",
              "iat": now, "nbf": now, "exp": now + ttl, "roles": [role]}
    if unit:
        claims["unit"] = unit
    return jwt.encode(claims, private_key(), algorithm="RS256")


def verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, private_key().public_key())
