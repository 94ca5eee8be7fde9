"""The delivery worker: takes due messages one at a time (a claim is an atomic update, so
several workers never send the same message), renders each from the contact as it is now,
sends it, and records the outcome. A delivered message and its MessageDelivered event are
stored in one write (the transactional outbox).

A message is persisted before anything is sent, so nothing is lost: a worker that stops in
the middle leaves a claim that expires and the message is tried again (at-least-once: in
that rare case the same message, with the same Message-ID, can go out twice)."""

from datetime import timedelta

import pymongo.errors
import structlog
from pymongo import ReturnDocument

from services.common.consuming import TRANSIENT_ERRORS
from services.common.context import ServiceContext
from services.common.envelope import iso, new_event
from services.common.errors import Conflict
from services.notifications import domain, metrics, templates
from services.notifications.channels import DeliveryFailed, Outgoing, Transports
from services.notifications.contacts import Contact
from services.notifications.documents import (
    ContactDocument,
    MessageDocument,
    ReplyTextDocument,
    contact_from_document,
)
from services.notifications.settings import NotifySettings, settings_of

log = structlog.get_logger(__name__)
REPLY_TEXT_RETENTION = timedelta(days=30)  # texts whose event never came are not kept
REPLY_WAIT_STEP = timedelta(seconds=30)


WORKER = "delivery"  # the periodic work's name: ctx.wake(WORKER) runs it at once


def tick(ctx: ServiceContext) -> None:
    """The timer's work. A database or mail server that is away is logged and the next
    tick tries again; claims left behind expire, so nothing is lost."""
    try:
        deliver_due(ctx)
        ReplyTextDocument.objects(received_at__lt=ctx.clock() - REPLY_TEXT_RETENTION).delete()
    except TRANSIENT_ERRORS as exc:
        log.warning("delivery_postponed", error=repr(exc))


def deliver_due(ctx: ServiceContext, settings: NotifySettings | None = None) -> int:
    """One pass of the worker: up to `settings.batch` due messages. Returns how many were
    handled (sent, rescheduled or given up)."""
    settings = settings or settings_of(ctx.settings)
    now = ctx.clock()
    _release_expired_claims(now)
    handled = 0
    with Transports(settings) as channels:
        while handled < settings.batch:
            message = _claim(now, settings.lease_seconds)
            if message is None:
                break
            _attempt(message, channels, settings, ctx)
            handled += 1
    return handled


def _claim(now, lease_seconds: float) -> MessageDocument | None:
    raw = MessageDocument._get_collection().find_one_and_update(
        {"status": "queued", "next_attempt_at": {"$lte": now}},
        {"$set": {"status": "sending", "lease_until": now + timedelta(seconds=lease_seconds)},
         "$inc": {"version": 1}},
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return MessageDocument._from_son(raw) if raw else None


def _release_expired_claims(now) -> None:
    """A worker stopped while sending: its messages are due again."""
    released = MessageDocument._get_collection().update_many(
        {"status": "sending", "lease_until": {"$lt": now}},
        {"$set": {"status": "queued", "next_attempt_at": now}, "$inc": {"version": 1},
         "$push": {"log": {"at": now, "outcome": "claim_expired"}}},
    ).modified_count
    if released:
        log.warning("message_claims_expired", count=released)


def _links(settings: NotifySettings, contact: Contact) -> dict:
    base = settings.public_url
    links = {
        "public_url": base,
        "unsubscribe_url": f"{base}/notifications/unsubscribe/{contact.unsubscribe_token}",
        "one_click_url": f"{base}/api/v1/notifications/unsubscribe/{contact.unsubscribe_token}",
        "areas": list(contact.areas),
        "topics": list(contact.topics),
    }
    if contact.confirm_token:
        links["confirm_url"] = f"{base}/notifications/subscriptions/confirm/{contact.confirm_token}"
    return links


def _attempt(message: MessageDocument, channels: Transports, settings: NotifySettings,
             ctx: ServiceContext) -> None:
    found = ContactDocument.objects(participant_id=message.participant_id).first()
    if found is None:
        return _close(message, "undeliverable", "no contact: erased or never registered", ctx)
    contact = contact_from_document(found)
    if not contact.consents_to(message.purpose):
        return _close(message, "cancelled", "consent withdrawn", ctx)
    if message.trigger == "SubscriptionConfirmation" and not contact.confirm_token:
        return _close(message, "cancelled", "nothing to confirm any more", ctx)
    channel, address = ("email", contact.email) if contact.email else ("sms", contact.phone)
    if not address:
        return _close(message, "undeliverable", "no address", ctx)
    variant = domain.template_variant(contact.language, contact.plain_language)
    links = _links(settings, contact)
    reply = None
    if message.template == "feedback_answered" and message.context.get("answer_id"):
        reply = ReplyTextDocument.objects(id=message.context["answer_id"]).first()
        if reply is None and _wait_for_reply_text(message, settings, ctx):
            return None
        links["answer_text"] = reply.text if reply else None
    try:
        rendered = templates.render(message.template, variant, message.context, links)
    except Exception as exc:  # a template or its data is wrong: no retry can help
        log.exception("message_render_failed", message_id=message.id)
        return _close(message, "failed", f"could not render: {type(exc).__name__}", ctx)
    outgoing = Outgoing(message_id=message.id, participant_id=message.participant_id,
                        unit=message.unit, channel=channel, to=address, rendered=rendered,
                        unsubscribe_url=links["unsubscribe_url"],
                        one_click_url=links["one_click_url"])
    now = ctx.clock()
    message.attempts += 1
    try:
        transport = channels.send(outgoing, now)
    except pymongo.errors.PyMongoError:
        raise  # the local outbox's database is away: the claim expires, nothing is lost
    except DeliveryFailed as failure:
        return _failed(message, failure, channel, settings, ctx)
    except Exception as exc:  # a plugged-in sender's own error: treated as temporary
        log.exception("message_send_error", message_id=message.id)
        return _failed(message, DeliveryFailed(type(exc).__name__, permanent=False),
                       channel, settings, ctx)
    message.status = "sent"
    message.delivered_at = now
    message.channel = channel
    message.transport = transport
    message.language = rendered.language
    message.plain_language = rendered.plain_language
    message.log.append({"at": now, "outcome": "sent", "channel": channel,
                        "transport": transport, "variant": rendered.variant})
    events = []
    if message.trigger in domain.CLOSES_LOOP:
        events.append(new_event("MessageDelivered", delivered_data(message), service=ctx.service,
                                subject=message.id, correlation_id=message.correlation_id))
    _save(message, events, ctx)
    if reply is not None:
        reply.delete()  # delivered: the text is kept by the feedback service, not here
    metrics.MESSAGES.labels(message.trigger, "sent", channel).inc()
    log.info("message_sent", message_id=message.id, trigger=message.trigger, channel=channel,
             transport=transport, variant=rendered.variant, attempts=message.attempts)


def _wait_for_reply_text(message: MessageDocument, settings: NotifySettings,
                         ctx: ServiceContext) -> bool:
    """A private reply is only worth sending with its text, which the gateway hands over
    beside the event; wait a while for it (a public answer can be read by receipt code, so
    it goes at once). Returns whether the message was put back to wait."""
    now = ctx.clock()
    waited = now - message.created_at
    if message.context.get("public") or waited.total_seconds() >= settings.reply_wait_seconds:
        return False
    message.status = "queued"
    message.next_attempt_at = now + REPLY_WAIT_STEP
    if not any(e.get("outcome") == "waiting_for_text" for e in message.log):
        message.log.append({"at": now, "outcome": "waiting_for_text"})
    _save(message, [], ctx)
    return True


def delivered_data(message: MessageDocument) -> dict:
    """MessageDelivered: which loop closed, for whom (a pseudonymous id), how and when."""
    return {
        "message_id": message.id,
        "trigger": message.trigger,
        "trigger_event_id": message.trigger_event_id,
        "participant_id": message.participant_id,
        "channel": message.channel,
        "language": message.language,
        "plain_language": bool(message.plain_language),
        "project_id": message.project_id,
        "unit": message.unit,
        "delivered_at": iso(message.delivered_at),
    }


def _failed(message: MessageDocument, failure: DeliveryFailed, channel: str,
            settings: NotifySettings, ctx: ServiceContext) -> None:
    now = ctx.clock()
    retry_at = settings.retry.next_attempt(message.attempts, failure.permanent, now)
    message.status = "queued" if retry_at else "failed"
    message.next_attempt_at = retry_at or message.next_attempt_at
    message.last_error = failure.detail
    message.channel = channel
    message.log.append({"at": now, "outcome": "retry_scheduled" if retry_at else "failed",
                        "error": failure.detail, "permanent": failure.permanent,
                        "channel": channel, "next_attempt_at": retry_at})
    _save(message, [], ctx)
    outcome = "retry" if retry_at else "failed"
    metrics.MESSAGES.labels(message.trigger, outcome, channel).inc()
    log.warning("message_send_failed", message_id=message.id, attempts=message.attempts,
                error=failure.detail, permanent=failure.permanent, outcome=outcome)


def _close(message: MessageDocument, status: str, reason: str, ctx: ServiceContext) -> None:
    now = ctx.clock()
    message.status = status
    message.last_error = reason
    message.log.append({"at": now, "outcome": status, "error": reason})
    _save(message, [], ctx)
    metrics.MESSAGES.labels(message.trigger, status, message.channel or "none").inc()
    log.info("message_closed", message_id=message.id, status=status, reason=reason)


def _save(message: MessageDocument, events: list, ctx: ServiceContext) -> None:
    try:
        ctx.save_with_events(message, events)
    except Conflict:
        # Changed meanwhile: the contact was erased while this was being sent. That
        # outcome stands; the send is in the log of the mail server, not here.
        log.warning("message_changed_while_sending", message_id=message.id)
        return
