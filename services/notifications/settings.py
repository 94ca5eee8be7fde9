"""Settings of the notifications service, from the nameko config (real stack) or the
environment (embedded default); both have the same KUULTU_* keys."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from services.notifications.domain import RetryPolicy

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _text(env: Mapping, key: str, default: str | None = None) -> str | None:
    value = env.get(key)
    return default if value is None or value == "" else str(value)


def _number(env: Mapping, key: str, default: float) -> float:
    value = env.get(key)
    return default if value is None or value == "" else float(value)


@dataclass(frozen=True)
class NotifySettings:
    public_url: str = "http://127.0.0.1:8000"
    # No SMTP host: messages are kept in the local outbox instead of being sent.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 15.0
    mail_from: str = "Lahden kaupunki <kuultu@lahti.fi>"
    sms_sender: str | None = None  # "package.module:factory"; default: the logging sender
    retry: RetryPolicy = RetryPolicy()
    batch: int = 100
    lease_seconds: float = 300.0
    reply_wait_seconds: float = 600.0  # a private reply's message waits this for its text

    @property
    def outbox_mode(self) -> bool:
        return not self.smtp_host

    @classmethod
    def from_mapping(cls, env: Mapping) -> "NotifySettings":
        security = (_text(env, "KUULTU_SMTP_SECURITY", "starttls") or "").lower()
        if security not in SECURITY_MODES:
            raise ValueError(f"KUULTU_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}")
        return cls(
            public_url=_text(env, "KUULTU_PUBLIC_URL", cls.public_url).rstrip("/"),
            smtp_host=_text(env, "KUULTU_SMTP_HOST"),
            smtp_port=int(_number(env, "KUULTU_SMTP_PORT", DEFAULT_PORTS[security])),
            smtp_security=security,
            smtp_username=_text(env, "KUULTU_SMTP_USERNAME"),
            smtp_password=_text(env, "KUULTU_SMTP_PASSWORD"),
            smtp_timeout=_number(env, "KUULTU_SMTP_TIMEOUT", cls.smtp_timeout),
            mail_from=_text(env, "KUULTU_MAIL_FROM", cls.mail_from),
            sms_sender=_text(env, "KUULTU_SMS_SENDER"),
            retry=RetryPolicy(
                max_attempts=int(_number(env, "KUULTU_NOTIFY_MAX_ATTEMPTS", 6)),
                first_delay=_number(env, "KUULTU_NOTIFY_RETRY_SECONDS", 60.0),
                max_delay=_number(env, "KUULTU_NOTIFY_RETRY_MAX_SECONDS", 6 * 3600.0),
            ),
            batch=int(_number(env, "KUULTU_NOTIFY_BATCH", 100)),
            lease_seconds=_number(env, "KUULTU_NOTIFY_LEASE_SECONDS", 300.0),
            reply_wait_seconds=_number(env, "KUULTU_NOTIFY_REPLY_WAIT_SECONDS", 600.0),
        )


def settings_of(context_settings: Mapping | None) -> NotifySettings:
    """The nameko config when there is one (it has every key), else the environment."""
    return NotifySettings.from_mapping(context_settings or os.environ)
