"""How a rendered message leaves: e-mail over SMTP, SMS through a pluggable sender, or the
local outbox when no SMTP server is configured (the embedded default).

Every transport raises DeliveryFailed with `permanent` telling whether trying again could
help (an SMTP 5xx refusal) or not (server away, 4xx)."""

import importlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol

import structlog

from services.notifications.documents import LocalOutboxEntry
from services.notifications.domain import mask_address, redact
from services.notifications.settings import NotifySettings
from services.notifications.templates import Rendered

log = structlog.get_logger(__name__)


class DeliveryFailed(Exception):
    def __init__(self, detail: str, *, permanent: bool):
        super().__init__(detail)
        self.detail = redact(detail)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    participant_id: str
    unit: str | None
    channel: str  # email or sms
    to: str
    rendered: Rendered
    unsubscribe_url: str  # the page a person opens
    one_click_url: str  # RFC 8058: mail programs POST here to unsubscribe


def build_email(outgoing: Outgoing, mail_from: str, now: datetime) -> EmailMessage:
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "kuultu.invalid"
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = outgoing.to
    mail["Subject"] = outgoing.rendered.subject
    mail["Date"] = format_datetime(now)
    # The same message always has the same Message-ID, so a resend after a crash can be
    # recognised as the same message by the receiving side.
    mail["Message-ID"] = f"<{outgoing.message_id}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail["List-Unsubscribe"] = f"<{outgoing.one_click_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(outgoing.rendered.body)
    mail["Content-Language"] = outgoing.rendered.language  # set_content clears Content-*
    return mail


class Transport(Protocol):
    name: str

    def send(self, outgoing: Outgoing, now: datetime) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One connection per delivery pass, reused for the pass's messages."""

    name = "smtp"

    def __init__(self, settings: NotifySettings):
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            connection.login(s.smtp_username, s.smtp_password or "")
        return connection

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        mail = build_email(outgoing, self.settings.mail_from, now)
        reused = self._connection is not None
        try:
            try:
                self._send(mail)
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                self.close()  # the server closed an idle connection: one fresh try
                self._send(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise DeliveryFailed(f"{code} {_text(text)}", permanent=code >= 500) from exc
        except smtplib.SMTPAuthenticationError as exc:
            self.close()  # the server's settings, not the message: worth trying again
            raise DeliveryFailed(f"{exc.smtp_code} {_text(exc.smtp_error)}",
                                 permanent=False) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise DeliveryFailed(f"{exc.smtp_code} {_text(exc.smtp_error)}",
                                 permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc

    def _send(self, mail: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        self._connection.send_message(mail)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


class SmsSender(Protocol):
    """What an operator plugs in for text messages (`KUULTU_SMS_SENDER=module:factory`, the
    factory gets the NotifySettings). Raise DeliveryFailed when the gateway refuses."""

    def send(self, to: str, text: str, message_id: str) -> None: ...


class LoggingSmsSender:
    """The default: no SMS gateway is configured, so the message is only logged (without the
    number or the text, which are personal data)."""

    def send(self, to: str, text: str, message_id: str) -> None:
        log.info("sms_logged", message_id=message_id, to=mask_address(to), length=len(text))


def load_sms_sender(settings: NotifySettings) -> SmsSender:
    if not settings.sms_sender:
        return LoggingSmsSender()
    module, _, factory = settings.sms_sender.partition(":")
    return getattr(importlib.import_module(module), factory or "create")(settings)


class SmsTransport:
    name = "sms"

    def __init__(self, sender: SmsSender):
        self.sender = sender

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        self.sender.send(outgoing.to, outgoing.rendered.sms, outgoing.message_id)

    def close(self) -> None:
        pass


class LocalOutboxTransport:
    """Keeps the message in the service's own database, readable by staff, instead of
    sending it. Keyed by the message id: a resend replaces the copy."""

    name = "outbox"

    def __init__(self, settings: NotifySettings):
        self.settings = settings

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        headers = {}
        if outgoing.channel == "email":
            mail = build_email(outgoing, self.settings.mail_from, now)
            headers = {k: str(v) for k, v in mail.items() if k not in ("To", "Subject")}
        LocalOutboxEntry(
            id=outgoing.message_id, participant_id=outgoing.participant_id, unit=outgoing.unit,
            channel=outgoing.channel, to=outgoing.to,
            subject=outgoing.rendered.subject if outgoing.channel == "email" else None,
            body=outgoing.rendered.body if outgoing.channel == "email" else outgoing.rendered.sms,
            language=outgoing.rendered.language, headers=headers, sent_at=now,
        ).save()

    def close(self) -> None:
        pass


class Transports:
    """The transport of each channel for one delivery pass."""

    def __init__(self, settings: NotifySettings):
        if settings.outbox_mode:
            outbox = LocalOutboxTransport(settings)
            self.by_channel: dict[str, Transport] = {"email": outbox, "sms": outbox}
        else:
            self.by_channel = {"email": SmtpTransport(settings),
                               "sms": SmsTransport(load_sms_sender(settings))}

    def send(self, outgoing: Outgoing, now: datetime) -> str:
        """Sends and returns the transport's name, or raises DeliveryFailed."""
        transport = self.by_channel[outgoing.channel]
        transport.send(outgoing, now)
        return transport.name

    def close(self) -> None:
        for transport in set(self.by_channel.values()):
            transport.close()

    def __enter__(self) -> "Transports":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
