"""Signed staff session cookies and the short-lived cookie that carries a login in progress."""

import os
import secrets

import structlog
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.common.actor import Actor

log = structlog.get_logger(__name__)
SESSION_COOKIE = "kuultu_session"
LOGIN_COOKIE = "kuultu_login"
SESSION_SECONDS = 8 * 3600
LOGIN_SECONDS = 600


class SessionCodec:
    def __init__(self, secret: str | None = None):
        if not secret:
            # Fine for one process (embedded default); several gateway replicas need a shared
            # KUULTU_SESSION_SECRET or a session from one is refused by another.
            secret = secrets.token_urlsafe(32)
            log.warning("session_secret_generated", hint="set KUULTU_SESSION_SECRET")
        self._session = URLSafeTimedSerializer(secret, salt="kuultu-session")
        self._login = URLSafeTimedSerializer(secret, salt="kuultu-login")

    def issue(self, actor: Actor) -> tuple[str, str]:
        """Returns the cookie value and the session's CSRF token."""
        csrf = secrets.token_urlsafe(24)
        value = self._session.dumps(
            {"sub": actor.id, "roles": sorted(actor.roles), "unit": actor.unit, "csrf": csrf}
        )
        return value, csrf

    def read(self, value: str | None) -> tuple[Actor, str] | None:
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return Actor(data["sub"], frozenset(data["roles"]), data.get("unit")), data["csrf"]

    def dump_login(self, login: dict) -> str:
        return self._login.dumps(login)

    def load_login(self, value: str | None) -> dict | None:
        if not value:
            return None
        try:
            return self._login.loads(value, max_age=LOGIN_SECONDS)
        except BadSignature:
            return None


def codec_from_env() -> SessionCodec:
    return SessionCodec(os.environ.get("KUULTU_SESSION_SECRET"))
