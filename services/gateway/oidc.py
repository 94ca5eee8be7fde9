"""OpenID Connect authorization code flow with PKCE: the gateway as a confidential-or-public
client of the city's identity provider (or of the local development issuer)."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

import httpx

from services.common.actor import Actor
from services.gateway.auth import TokenVerifier


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


class LoginRefused(Exception):
    pass


class OidcClient(Protocol):
    def authorization_url(self, *, redirect_uri: str, state: str, challenge: str,
                          nonce: str) -> str: ...

    async def exchange(self, *, code: str, verifier: str, redirect_uri: str,
                       nonce: str) -> Actor: ...


@dataclass
class HttpOidcClient:
    """Talks to a real issuer: endpoints from its discovery document."""

    issuer: str
    client_id: str
    verifier: TokenVerifier
    client_secret: str | None = None
    scope: str = "openid profile"
    _discovery: dict | None = None

    def _endpoints(self) -> dict:
        if self._discovery is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            response = httpx.get(url, timeout=10)
            response.raise_for_status()
            self._discovery = response.json()
        return self._discovery

    def authorization_url(self, *, redirect_uri, state, challenge, nonce) -> str:
        query = urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
            "scope": self.scope, "state": state, "nonce": nonce,
            "code_challenge": challenge, "code_challenge_method": "S256",
        })
        return f"{self._endpoints()['authorization_endpoint']}?{query}"

    async def exchange(self, *, code, verifier, redirect_uri, nonce) -> Actor:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": self.client_id, "code_verifier": verifier}
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(self._endpoints()["token_endpoint"], data=form,
                                         auth=auth)
        if response.status_code != 200:
            raise LoginRefused(f"the identity provider refused the code ({response.status_code})")
        return self.verifier.verify(response.json()["id_token"], nonce=nonce)
