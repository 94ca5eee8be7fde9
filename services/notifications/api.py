"""The notifications service's internal HTTP API: the contact registry (used by the other
services), the public unsubscribe and subscription endpoints, and the staff views of the
delivery log, the local outbox and the templates."""

import re
from dataclasses import asdict

import mongoengine

from services.common.actor import Actor, require_actor
from services.common.context import ServiceContext
from services.common.envelope import iso
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.notifications import contacts, domain, templates
from services.notifications.documents import (
    ContactDocument,
    LocalOutboxEntry,
    MessageDocument,
    ParticipationDocument,
    ReplyTextDocument,
    contact_document,
    contact_from_document,
)
from services.notifications.settings import settings_of

router = Router()
add_health_routes(router)
STAFF_ROLES = ("staff", "coordinator")
ERASURE_ROLES = ("coordinator",)  # and admin, always
MAX_PAGE = 200
MAX_REPLY = 4000
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- the contact registry (called by the other services through their gateway routes) ---

@router.route("POST", "/contacts")
def register_contact(request: Request, ctx: ServiceContext) -> Response:
    """Stores contact details and consents; returns only the pseudonymous participant id."""
    contact = contacts.register(request.json_object(), now=ctx.clock())
    contact_document(contact).save(force_insert=True)
    return Response(201, {"participant_id": contact.participant_id})


@router.route("DELETE", "/contacts/{participant_id}")
def erase_contact(request: Request, ctx: ServiceContext) -> Response:
    """Erasure on request: the contact details are removed for good."""
    return _erased(request.params["participant_id"], ctx)


def erase(participant_id: str, ctx: ServiceContext) -> bool:
    """Removes the contact, its copies in the local outbox and what it took part in; pending
    and failed (retryable) messages to it become undeliverable (their record keeps only the
    pseudonymous id). The
    clean-up runs even if the contact is gone already, so a repeated request completes an
    interrupted one. Returns whether there was a contact."""
    existed = bool(ContactDocument.objects(participant_id=participant_id).delete())
    now = ctx.clock()
    answers = [m.context.get("answer_id") for m in MessageDocument.objects(
        participant_id=participant_id, template="feedback_answered").only("context")]
    ReplyTextDocument.objects(id__in=[a for a in answers if a]).delete()
    MessageDocument._get_collection().update_many(
        {"participant_id": participant_id, "status": {"$in": [*domain.PENDING, "failed"]}},
        {"$set": {"status": "undeliverable", "last_error": "contact erased"},
         "$inc": {"version": 1},
         "$push": {"log": {"at": now, "outcome": "undeliverable", "error": "contact erased"}}},
    )
    LocalOutboxEntry.objects(participant_id=participant_id).delete()
    ParticipationDocument.objects(participant_id=participant_id).delete()
    return existed


def _erased(participant_id: str, ctx: ServiceContext) -> Response:
    if not erase(participant_id, ctx):
        raise NotFound("No such contact.")
    return Response(200, {"erased": participant_id})


@router.route("PUT", "/replies/{answer_id}")
def hand_over_reply_text(request: Request, ctx: ServiceContext) -> Response:
    """The gateway hands over the text of an answer that staff just gave, so that the
    message to the resident (queued from FeedbackAnswered, which has no text) can carry it."""
    require_actor(request.headers, *STAFF_ROLES)
    answer_id = request.params["answer_id"]
    text = request.json_object().get("text")
    errors = {}
    if not UUID.match(answer_id):
        errors["answer_id"] = "must be the answer id (a UUID) of the FeedbackAnswered event"
    if not isinstance(text, str) or not text.strip():
        errors["text"] = "is required and must be non-empty text"
    elif len(text) > MAX_REPLY:
        errors["text"] = f"must be at most {MAX_REPLY} characters"
    if errors:
        raise ValidationFailed(errors)
    ReplyTextDocument(id=answer_id, text=text.strip(), received_at=ctx.clock()).save()
    return Response(200, {"answer_id": answer_id})


# --- public: unsubscribe (the link in every message) and subscriptions ---

def _by_token(field: str, token: str) -> ContactDocument:
    doc = ContactDocument.objects(**{field: token}).first() if token else None
    if doc is None:
        raise NotFound("This link is not valid any more: the messages may have been "
                       "unsubscribed and the contact erased already.")
    return doc


def _subscribed(contact: contacts.Contact) -> bool:
    return any(contact.consents.values()) or bool(contact.areas or contact.topics)


@router.route("GET", "/unsubscribe/{token}")
def unsubscribe_status(request: Request, ctx: ServiceContext) -> Response:
    contact = contact_from_document(_by_token("unsubscribe_token", request.params["token"]))
    return Response(200, {
        "status": "subscribed" if _subscribed(contact) else "unsubscribed",
        "address": domain.mask_address(contact.email or contact.phone or ""),
        "language": contact.language,
        "plain_language": contact.plain_language,
    })


@router.route("POST", "/unsubscribe/{token}")
def unsubscribe(request: Request, ctx: ServiceContext) -> Response:
    """Stops every message (RFC 8058 one-click posts here with no JSON body). With
    {"erase": true} the contact details are erased as well."""
    body = request.body if isinstance(request.body, dict) else {}
    erase_too = body.get("erase", False)
    if not isinstance(erase_too, bool):
        raise ValidationFailed({"erase": "must be true or false"})
    doc = _by_token("unsubscribe_token", request.params["token"])
    if erase_too:
        erase(doc.participant_id, ctx)
        return Response(200, {"status": "erased"})
    contact = contact_from_document(doc)
    contacts.unsubscribe(contact)
    ContactDocument.objects(participant_id=doc.participant_id).update_one(
        set__consents=contact.consents, set__areas=[], set__topics=[], unset__confirm_token=True)
    return Response(200, {"status": "unsubscribed"})


@router.route("POST", "/subscriptions")
def subscribe(request: Request, ctx: ServiceContext) -> Response:
    """A resident asks to hear what happens in some areas or topics. Nothing is sent under
    the subscription until the link in the confirmation message is used."""
    contact = contacts.subscribe(request.json_object(), now=ctx.clock())
    pending = ContactDocument.objects(email=contact.email, phone=contact.phone,
                                      confirm_token__ne=None).first()
    if pending is not None:
        # Asked again before confirming: one confirmation message per address is enough
        # (and nobody can flood someone else's inbox through this form).
        areas = sorted(set(pending.areas) | set(contact.areas))
        topics = sorted(set(pending.topics) | set(contact.topics))
        pending.update(set__areas=areas, set__topics=topics)
        return Response(202, {"status": "confirmation_sent", "areas": areas, "topics": topics})
    contact_document(contact).save(force_insert=True)
    now = ctx.clock()
    MessageDocument(
        id=domain.confirmation_id(contact.participant_id), trigger="SubscriptionConfirmation",
        template=domain.TEMPLATE_OF_TRIGGER["SubscriptionConfirmation"], purpose=None,
        participant_id=contact.participant_id, context={}, correlation_id=request.correlation_id,
        status="queued", attempts=0, created_at=now, next_attempt_at=now, version=1,
        log=[{"at": now, "outcome": "queued"}],
    ).save(force_insert=True)
    return Response(202, {"status": "confirmation_sent", "areas": contact.areas,
                          "topics": contact.topics})


@router.route("GET", "/subscriptions/confirm/{token}")
def subscription_to_confirm(request: Request, ctx: ServiceContext) -> Response:
    contact = contact_from_document(_by_token("confirm_token", request.params["token"]))
    return Response(200, {"status": "pending", "areas": contact.areas, "topics": contact.topics,
                          "language": contact.language})


@router.route("POST", "/subscriptions/confirm/{token}")
def confirm_subscription(request: Request, ctx: ServiceContext) -> Response:
    doc = _by_token("confirm_token", request.params["token"])
    contact = contact_from_document(doc)
    contacts.confirm(contact)
    ContactDocument.objects(participant_id=doc.participant_id,
                            confirm_token=request.params["token"]).update_one(
        set__consents=contact.consents, unset__confirm_token=True)
    return Response(200, {"status": "confirmed", "areas": contact.areas, "topics": contact.topics,
                          "language": contact.language})


# --- staff: the delivery log, retries, the local outbox, templates, erasure ---

def _page(request: Request, errors: dict) -> tuple[int, int]:
    """limit and offset; a reason for each bad one goes to `errors`."""
    values = {}
    for name, default, high in (("limit", 50, MAX_PAGE), ("offset", 0, 10**9)):
        raw = request.query.get(name, default)
        try:
            values[name] = int(raw)
            if not 0 <= values[name] <= high or (name == "limit" and values[name] == 0):
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = f"must be a whole number from {1 if name == 'limit' else 0} to {high}"
            values[name] = default
    return values["limit"], values["offset"]


def _unit_filter(actor: Actor) -> mongoengine.Q:
    """Staff see their own unit's messages and those of no unit (tables); coordinators,
    evaluators and admins see all."""
    if actor.has("coordinator", "evaluator"):  # the rule of Actor.may_see_unit
        return mongoengine.Q()
    return mongoengine.Q(unit=actor.unit) | mongoengine.Q(unit=None)


def _iso(value) -> str | None:
    return iso(value) if value else None


def message_view(doc: MessageDocument) -> dict:
    return {
        "id": doc.id,
        "trigger": doc.trigger,
        "purpose": doc.purpose,
        "trigger_event_id": doc.trigger_event_id,
        "participant_id": doc.participant_id,
        "project_id": doc.project_id,
        "unit": doc.unit,
        "status": doc.status,
        "attempts": doc.attempts,
        "created_at": _iso(doc.created_at),
        "next_attempt_at": _iso(doc.next_attempt_at) if doc.status == "queued" else None,
        "delivered_at": _iso(doc.delivered_at),
        "channel": doc.channel,
        "transport": doc.transport,
        "language": doc.language,
        "plain_language": doc.plain_language,
        "last_error": doc.last_error if doc.status != "sent" else None,
        "retryable": doc.status == "failed",
    }


def _log_entry(entry: dict) -> dict:
    return {k: (_iso(v) if k.endswith("at") else v) for k, v in entry.items()}


@router.route("GET", "/staff/messages")
def list_messages(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, *STAFF_ROLES)
    filters, errors = {}, {}
    limit, offset = _page(request, errors)
    status = request.query.get("status")
    if status:
        if status not in domain.STATUSES:
            errors["status"] = f"unknown status; allowed values: {', '.join(domain.STATUSES)}"
        filters["status"] = status
    trigger = request.query.get("trigger")
    if trigger:
        if trigger not in domain.TEMPLATE_OF_TRIGGER:
            errors["trigger"] = ("unknown trigger; allowed values: "
                                 + ", ".join(domain.TEMPLATE_OF_TRIGGER))
        filters["trigger"] = trigger
    for name in ("participant_id", "project_id", "trigger_event_id"):
        if request.query.get(name):
            filters[name] = request.query[name]
    if errors:
        raise ValidationFailed(errors)
    scope = _unit_filter(actor)
    query = MessageDocument.objects(scope, **filters).exclude("context", "outbox")
    counts = {row["_id"]: row["n"] for row in MessageDocument.objects(scope, **{
        k: v for k, v in filters.items() if k != "status"}).aggregate(
        [{"$group": {"_id": "$status", "n": {"$sum": 1}}}])}
    items = query.order_by("-created_at", "id").skip(offset).limit(limit)
    return Response(200, {
        "items": [message_view(doc) for doc in items],
        "total": query.count(),
        "limit": limit,
        "offset": offset,
        "counts": {status: counts.get(status, 0) for status in domain.STATUSES},
    })


def _message_for(request: Request, actor: Actor) -> MessageDocument:
    doc = MessageDocument.objects(id=request.params["message_id"]).first()
    if doc is None or not actor.may_see_unit(doc.unit):
        raise NotFound("No such message.")
    return doc


@router.route("GET", "/staff/messages/{message_id}")
def show_message(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, *STAFF_ROLES)
    doc = _message_for(request, actor)
    return Response(200, {**message_view(doc), "log": [_log_entry(e) for e in doc.log]})


def _requeue(doc: MessageDocument, actor: Actor, ctx: ServiceContext) -> bool:
    now = ctx.clock()
    result = MessageDocument._get_collection().update_one(
        {"_id": doc.id, "status": "failed", "version": doc.version},
        {"$set": {"status": "queued", "next_attempt_at": now, "attempts": 0},
         "$inc": {"version": 1},
         "$push": {"log": {"at": now, "outcome": "retry_requested", "by": actor.id}}},
    )
    return result.modified_count == 1


@router.route("POST", "/staff/messages/{message_id}/retry")
def retry_message(request: Request, ctx: ServiceContext) -> Response:
    """A failed message is queued again with a fresh set of attempts."""
    actor = require_actor(request.headers, *STAFF_ROLES)
    doc = _message_for(request, actor)
    if doc.status != "failed" or not _requeue(doc, actor, ctx):
        raise Conflict(f"Only a failed message can be retried; this one is {doc.status}.")
    return Response(202, message_view(MessageDocument.objects(id=doc.id).first()))


@router.route("POST", "/staff/messages/retry-failed")
def retry_failed(request: Request, ctx: ServiceContext) -> Response:
    """Every failed message the staff member may see, e.g. after the mail server is fixed."""
    actor = require_actor(request.headers, *STAFF_ROLES)
    failed = MessageDocument.objects(_unit_filter(actor), status="failed").only("id", "version")
    requeued = sum(_requeue(doc, actor, ctx) for doc in failed.limit(10_000))
    return Response(202, {"requeued": requeued})


@router.route("GET", "/staff/outbox")
def local_outbox(request: Request, ctx: ServiceContext) -> Response:
    """Messages kept instead of sent (no SMTP server configured: the embedded default)."""
    actor = require_actor(request.headers, *STAFF_ROLES)
    errors = {}
    limit, offset = _page(request, errors)
    if errors:
        raise ValidationFailed(errors)
    query = LocalOutboxEntry.objects(_unit_filter(actor))
    items = query.order_by("-sent_at", "id").skip(offset).limit(limit)
    return Response(200, {
        "mode": "outbox" if settings_of(ctx.settings).outbox_mode else "smtp",
        "items": [{"message_id": e.id, "channel": e.channel, "to": e.to, "subject": e.subject,
                   "body": e.body, "language": e.language, "headers": e.headers,
                   "sent_at": iso(e.sent_at)} for e in items],
        "total": query.count(), "limit": limit, "offset": offset,
    })


@router.route("GET", "/staff/templates")
def list_templates(request: Request, ctx: ServiceContext) -> Response:
    require_actor(request.headers, *STAFF_ROLES)
    triggers = {t: trigger for trigger, t in domain.TEMPLATE_OF_TRIGGER.items()}
    return Response(200, {"templates": [
        {"name": name, "trigger": triggers[name],
         "purpose": domain.PURPOSE_OF_TRIGGER[triggers[name]], "variants": list(domain.VARIANTS)}
        for name in templates.names()
    ]})


@router.route("GET", "/staff/templates/{name}/preview")
def preview_template(request: Request, ctx: ServiceContext) -> Response:
    """The template filled with the example event of its trigger, as a person with the
    given language and plain-language preference would get it."""
    require_actor(request.headers, *STAFF_ROLES)
    name = request.params["name"]
    errors = {}
    if name not in templates.names():
        raise NotFound(f"No template {name!r}; see /staff/templates.")
    language = request.query.get("language", "fi")
    if not isinstance(language, str) or not language.isalpha() or not 2 <= len(language) <= 3:
        errors["language"] = "must be a language code such as fi, sv or en"
    plain = str(request.query.get("plain_language", "false")).lower()
    if plain not in ("true", "false"):
        errors["plain_language"] = "must be true or false"
    if errors:
        raise ValidationFailed(errors)
    variant = domain.template_variant(language, plain == "true")
    rendered = templates.preview(name, variant, settings_of(ctx.settings).public_url)
    return Response(200, {**asdict(rendered), "language": rendered.language,
                          "plain_language": rendered.plain_language})


@router.route("DELETE", "/staff/contacts/{participant_id}")
def staff_erase_contact(request: Request, ctx: ServiceContext) -> Response:
    """A data subject's erasure request handled by staff."""
    require_actor(request.headers, *ERASURE_ROLES)
    return _erased(request.params["participant_id"], ctx)
