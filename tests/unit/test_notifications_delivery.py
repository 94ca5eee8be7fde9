"""The delivery worker on the embedded store, sending to a real SMTP server (aiosmtpd in
this process): language and headers, retries with backoff, permanent refusals, consent and
erasure at the moment of sending, and MessageDelivered in the message's outbox."""

import email
import email.policy
import json
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from services.common.context import ServiceContext
from services.common.envelope import event_from_dict, new_event
from services.common.httpapi import Request
from services.common.topology import NOTIFICATIONS_TOPIC
from services.notifications import api, contacts, delivery
from services.notifications.documents import (
    LocalOutboxEntry,
    MessageDocument,
    ReplyTextDocument,
    contact_document,
)
from services.notifications.settings import NotifySettings
from services.notifications.wiring import wiring

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PROJECT = str(uuid.uuid4())
STAFF = {"x-kuultu-actor": "anna", "x-kuultu-roles": "coordinator"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts; refuses recipients of the domains in
    `refuse` with the given SMTP reply (e.g. "451 4.3.0 try later", "550 5.1.1 unknown")."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.refused: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.rpartition("@")[2])
        if reply:
            self.refused.append(address)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class LocalSmtpServer:
    """A real SMTP server on a free local port, started and stopped by the test."""

    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "LocalSmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@pytest.fixture
def smtp():
    with LocalSmtpServer() as server:
        yield server


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ctx(embedded_store, clock):
    return ServiceContext(service="notifications", topic=NOTIFICATIONS_TOPIC, clock=clock)


def smtp_settings(port: int, **overrides) -> NotifySettings:
    return NotifySettings.from_mapping({
        "KUULTU_PUBLIC_URL": "https://kuultu.lahti.fi", "KUULTU_SMTP_HOST": "127.0.0.1",
        "KUULTU_SMTP_PORT": str(port), "KUULTU_SMTP_SECURITY": "none",
        "KUULTU_NOTIFY_MAX_ATTEMPTS": "3", "KUULTU_NOTIFY_RETRY_SECONDS": "60",
        "KUULTU_MAIL_FROM": "Lahden kaupunki <kuultu@lahti.fi>", **overrides})


OUTBOX = NotifySettings.from_mapping({"KUULTU_PUBLIC_URL": "https://kuultu.lahti.fi"})


def person(address: str, consents=("impact",), **payload) -> str:
    key = "email" if "@" in address else "phone"
    registered = contacts.register({key: address, "consents": dict.fromkeys(consents, True),
                                    **payload}, now=START)
    contact_document(registered).save(force_insert=True)
    return registered.participant_id


def publish_impact(ctx, *people: str):
    for pid in people:
        wiring.handle(new_event("ParticipantJoined", {
            "project_id": PROJECT, "participant_id": pid, "via": "survey",
            "joined_at": "2026-10-05T17:00:00Z"}, service="projects", subject=PROJECT,
            correlation_id="c"), ctx)
    event = new_event("ImpactCommunicated", {
        "project_id": PROJECT, "unit": "urban-environment", "title": "Kauppatori",
        "areas": ["keskusta"], "impact_statement": "The lindens stay; 40 new benches.",
        "plain_language_statement": "Puut jäävät. Toriin tulee 40 penkkiä.",
        "participant_count": len(people), "communicated_at": "2027-03-01T09:00:00Z"},
        service="projects", subject=PROJECT, correlation_id="impact-corr")
    wiring.handle(event, ctx)
    return event


def message_of(pid: str) -> MessageDocument:
    return MessageDocument.objects.get(participant_id=pid)


def test_each_participant_gets_the_impact_in_their_language_over_smtp(ctx, smtp):
    people = {
        "fi": person("maija@example.fi", language="fi"),
        "sv": person("bertil@example.fi", language="sv"),
        "en": person("chen@example.fi", language="en"),
        "plain": person("pekka@example.fi", language="fi", plain_language=True),
    }
    publish_impact(ctx, *people.values())
    assert delivery.deliver_due(ctx, smtp_settings(smtp.port)) == 4
    mailbox = smtp.mailbox
    assert len(mailbox.messages) == 4
    fi, = mailbox.to("maija@example.fi")
    sv, = mailbox.to("bertil@example.fi")
    en, = mailbox.to("chen@example.fi")
    plain, = mailbox.to("pekka@example.fi")
    assert fi["Subject"] == "Näin osallistumisesi vaikutti: Kauppatori"
    assert "Kiitos, että olit mukana" in fi.get_content()
    assert sv["Content-Language"] == "sv" and "Tack för att du deltog" in sv.get_content()
    assert "Thank you for taking part" in en.get_content()
    assert "Puut jäävät. Toriin tulee 40 penkkiä." in plain.get_content()
    # Every message unsubscribes with one link, in the text and for mail programs.
    for message in (fi, sv, en, plain):
        assert "https://kuultu.lahti.fi/notifications/unsubscribe/" in message.get_content()
        assert message["List-Unsubscribe"].startswith(
            "<https://kuultu.lahti.fi/api/v1/notifications/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["From"] == "Lahden kaupunki <kuultu@lahti.fi>"
    assert fi["Message-ID"] == f"<{message_of(people['fi']).id}@lahti.fi>"
    # Delivered, and nothing more to do: another pass sends nothing.
    assert delivery.deliver_due(ctx, smtp_settings(smtp.port)) == 0
    assert len(mailbox.messages) == 4
    sent = message_of(people["plain"])
    assert (sent.status, sent.channel, sent.transport, sent.language, sent.plain_language) == (
        "sent", "email", "smtp", "fi", True)


def test_a_delivered_message_announces_itself_without_personal_data(ctx, smtp):
    pid = person("maija@example.fi", language="sv")
    trigger = publish_impact(ctx, pid)
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    message = message_of(pid)
    pending, = message.outbox
    assert pending.topic == NOTIFICATIONS_TOPIC
    event = event_from_dict(pending.envelope)
    assert event.name == "MessageDelivered" and event.subject == message.id
    assert event.correlation_id == "impact-corr"
    assert event.data == {
        "message_id": message.id, "trigger": "ImpactCommunicated",
        "trigger_event_id": trigger.id, "participant_id": pid, "channel": "email",
        "language": "sv", "plain_language": False, "project_id": PROJECT,
        "unit": "urban-environment", "delivered_at": "2027-03-01T09:00:00Z"}
    assert "maija" not in json.dumps(pending.envelope)


def test_a_temporary_refusal_is_retried_with_backoff_and_then_shown_as_failed(ctx, clock, smtp):
    smtp.mailbox.refuse["busy.example"] = "451 4.3.0 Mailbox busy, try later"
    pid = person("maija@busy.example")
    publish_impact(ctx, pid)
    settings = smtp_settings(smtp.port)  # 3 attempts, 60 s then 120 s apart

    assert delivery.deliver_due(ctx, settings) == 1
    message = message_of(pid)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == START + timedelta(seconds=60)
    assert message.last_error.startswith("451 4.3.0") and "@" not in message.last_error

    clock.advance(59)
    assert delivery.deliver_due(ctx, settings) == 0  # not due yet
    clock.advance(1)
    assert delivery.deliver_due(ctx, settings) == 1
    assert message_of(pid).next_attempt_at == clock.now + timedelta(seconds=120)
    clock.advance(120)
    assert delivery.deliver_due(ctx, settings) == 1

    failed = message_of(pid)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert [e["outcome"] for e in failed.log] == [
        "queued", "retry_scheduled", "retry_scheduled", "failed"]
    assert smtp.mailbox.refused == ["maija@busy.example"] * 3 and smtp.mailbox.messages == []
    assert failed.outbox == []  # nothing delivered, nothing announced
    clock.advance(3600)
    assert delivery.deliver_due(ctx, settings) == 0  # given up

    # Staff see it as failed and retry it once the mailbox works again.
    listing = api.router.dispatch(Request("GET", "/staff/messages",
                                          query={"status": "failed"}, headers=STAFF), ctx)
    assert [m["id"] for m in listing.body["items"]] == [failed.id]
    assert listing.body["items"][0]["retryable"] is True
    del smtp.mailbox.refuse["busy.example"]
    retried = api.router.dispatch(Request("POST", f"/staff/messages/{failed.id}/retry",
                                          headers=STAFF), ctx)
    assert retried.status == 202 and retried.body["status"] == "queued"
    assert delivery.deliver_due(ctx, settings) == 1
    assert message_of(pid).status == "sent" and len(smtp.mailbox.to("maija@busy.example")) == 1
    again = api.router.dispatch(Request("POST", f"/staff/messages/{failed.id}/retry",
                                        headers=STAFF), ctx)
    assert again.status == 409


def test_a_permanent_refusal_fails_at_once(ctx, smtp):
    smtp.mailbox.refuse["gone.example"] = "550 5.1.1 No such user here"
    pid = person("nobody@gone.example")
    publish_impact(ctx, pid)
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    message = message_of(pid)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.log[-1]["permanent"] is True and message.last_error.startswith("550")


def test_an_unreachable_mail_server_is_a_temporary_failure(ctx):
    pid = person("maija@example.fi")
    publish_impact(ctx, pid)
    delivery.deliver_due(ctx, smtp_settings(free_port()))  # nobody listens there
    message = message_of(pid)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "Connection" in message.last_error or "refused" in message.last_error


def test_consent_withdrawn_after_queuing_cancels_the_message(ctx, smtp):
    pid = person("maija@example.fi")
    publish_impact(ctx, pid)
    token = api.ContactDocument.objects.get(participant_id=pid).unsubscribe_token
    reply = api.router.dispatch(Request("POST", f"/unsubscribe/{token}"), ctx)
    assert reply.status == 200 and reply.body == {"status": "unsubscribed"}
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    assert message_of(pid).status == "cancelled" and smtp.mailbox.messages == []
    status = api.router.dispatch(Request("GET", f"/unsubscribe/{token}"), ctx)
    assert status.body["status"] == "unsubscribed" and status.body["address"] == "m***@example.fi"


def test_erasure_makes_pending_messages_undeliverable_and_removes_copies(ctx, clock):
    sent_to, pending_to = person("maija@example.fi"), person("pekka@example.fi")
    publish_impact(ctx, sent_to)
    delivery.deliver_due(ctx, OUTBOX)
    assert LocalOutboxEntry.objects(participant_id=sent_to).count() == 1
    publish_impact(ctx, pending_to)

    for pid in (sent_to, pending_to):
        reply = api.router.dispatch(Request("DELETE", f"/contacts/{pid}"), ctx)
        assert reply.status == 200
    assert api.router.dispatch(Request("DELETE", f"/contacts/{sent_to}"), ctx).status == 404

    assert LocalOutboxEntry.objects.count() == 0
    erased = MessageDocument.objects(participant_id=pending_to)
    assert {m.status for m in erased} == {"undeliverable"}
    # What happened before stays recorded; what was still pending will not happen.
    assert sorted(m.status for m in MessageDocument.objects(participant_id=sent_to)) == [
        "sent", "undeliverable"]
    clock.advance(10)
    delivery.deliver_due(ctx, OUTBOX)
    assert LocalOutboxEntry.objects.count() == 0
    # The record says what happened, without any address.
    record = json.dumps([m.to_mongo().to_dict() for m in erased], default=str)
    assert "example.fi" not in record


def test_without_an_smtp_server_messages_go_to_the_local_outbox(ctx):
    pid = person("maija@example.fi", language="en")
    sms = person("+358 40 123 4567", language="fi")
    publish_impact(ctx, pid, sms)
    assert delivery.deliver_due(ctx, OUTBOX) == 2
    mail = LocalOutboxEntry.objects.get(participant_id=pid)
    assert (mail.channel, mail.to, mail.language) == ("email", "maija@example.fi", "en")
    assert mail.subject.startswith("What your participation changed")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = LocalOutboxEntry.objects.get(participant_id=sms)
    assert text.channel == "sms" and text.subject is None and "Peru viestit:" in text.body
    assert message_of(sms).channel == "sms" and message_of(sms).transport == "outbox"


def test_sms_goes_through_the_sms_sender_when_mail_is_configured(ctx, smtp):
    pid = person("+358 40 123 4567", language="sv")
    publish_impact(ctx, pid)
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    message = message_of(pid)
    assert (message.status, message.channel, message.transport) == ("sent", "sms", "sms")
    assert smtp.mailbox.messages == []


def test_a_stopped_worker_leaves_a_claim_that_expires(ctx, clock, smtp):
    pid = person("maija@example.fi")
    publish_impact(ctx, pid)
    assert delivery._claim(clock.now, lease_seconds=300) is not None  # then the worker died
    assert delivery.deliver_due(ctx, smtp_settings(smtp.port)) == 0
    clock.advance(301)
    assert delivery.deliver_due(ctx, smtp_settings(smtp.port)) == 1
    assert message_of(pid).status == "sent"
    assert [e["outcome"] for e in message_of(pid).log] == ["queued", "claim_expired", "sent"]


def answered(pid: str, public: bool):
    feedback_id = str(uuid.uuid4())
    return new_event("FeedbackAnswered", {
        "feedback_id": feedback_id, "answer_id": str(uuid.uuid4()), "kind": "question",
        "area": "itainen", "unit": "urban-environment", "language": "fi",
        "participant_id": pid, "public": public, "received_at": "2027-02-20T10:00:00Z",
        "answered_at": "2027-03-01T08:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id="c")


def test_a_private_reply_waits_for_its_text_and_carries_it(ctx, clock, smtp):
    pid = person("maija@example.fi", consents=("answer",))
    event = answered(pid, public=False)
    wiring.handle(event, ctx)
    settings = smtp_settings(smtp.port)
    assert delivery.deliver_due(ctx, settings) == 1
    assert message_of(pid).status == "queued" and smtp.mailbox.messages == []
    handed = api.router.dispatch(Request(
        "PUT", f"/replies/{event.data['answer_id']}", body={"text": "Korjaamme valon ensi viikolla."},
        headers={"x-kuultu-actor": "olli", "x-kuultu-roles": "staff"}), ctx)
    assert handed.status == 200
    clock.advance(30)
    delivery.deliver_due(ctx, settings)
    mail, = smtp.mailbox.to("maija@example.fi")
    assert "Korjaamme valon ensi viikolla." in mail.get_content()
    assert message_of(pid).attempts == 1  # waiting was not a failed attempt
    assert ReplyTextDocument.objects.count() == 0  # handed on: not kept here


def test_a_private_reply_goes_without_its_text_when_it_never_comes(ctx, clock, smtp):
    pid = person("maija@example.fi", consents=("answer",))
    wiring.handle(answered(pid, public=False), ctx)
    settings = smtp_settings(smtp.port, KUULTU_NOTIFY_REPLY_WAIT_SECONDS="120")
    delivery.deliver_due(ctx, settings)
    clock.advance(120)
    delivery.deliver_due(ctx, settings)
    mail, = smtp.mailbox.to("maija@example.fi")
    assert "kuittikoodillasi" in mail.get_content()


def test_a_public_answer_goes_at_once(ctx, smtp):
    pid = person("maija@example.fi", consents=("answer",), language="en")
    wiring.handle(answered(pid, public=True), ctx)
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    mail, = smtp.mailbox.to("maija@example.fi")
    assert mail["Subject"] == "Your feedback has been answered"
    assert "https://kuultu.lahti.fi/feedback/receipt" in mail.get_content()


def test_erasure_leaves_nothing_to_retry(ctx, smtp):
    smtp.mailbox.refuse["gone.example"] = "550 5.1.1 No such user here"
    pid = person("nobody@gone.example")
    publish_impact(ctx, pid)
    delivery.deliver_due(ctx, smtp_settings(smtp.port))
    assert message_of(pid).status == "failed"
    assert api.router.dispatch(Request("DELETE", f"/contacts/{pid}"), ctx).status == 200
    erased = message_of(pid)
    assert (erased.status, erased.last_error) == ("undeliverable", "contact erased")
    retry = api.router.dispatch(Request("POST", f"/staff/messages/{erased.id}/retry",
                                        headers=STAFF), ctx)
    assert retry.status == 409
