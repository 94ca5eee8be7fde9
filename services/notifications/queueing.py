"""From events to queued messages: who took part in which project (the projection), and for
each trigger one message document per person who may be told.

Every handler is idempotent: participations are sets keyed by (project, participant), and a
message's id is derived from (trigger event id, participant id), so the insert that queues
a message is also the check that it was not queued before."""

from collections.abc import Callable, Iterable
from datetime import datetime

import pymongo.errors
import structlog
from mongoengine.errors import NotUniqueError

from services.common.context import ServiceContext
from services.common.envelope import Event, parse_time
from services.notifications import domain, metrics
from services.notifications.delivery import WORKER
from services.notifications.documents import (
    ContactDocument,
    MessageDocument,
    ParticipationDocument,
    ProjectTriggerDocument,
)

log = structlog.get_logger(__name__)
CHUNK = 500  # ids per query and documents per insert
DUPLICATE_KEY = 11000


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def consents_of(participant_ids: Iterable[str]) -> dict[str, dict]:
    ids = list(dict.fromkeys(participant_ids))
    consents: dict[str, dict] = {}
    for chunk in _chunks(ids):
        for doc in ContactDocument.objects(participant_id__in=chunk).only("consents"):
            consents[doc.participant_id] = dict(doc.consents or {})
    return consents


def subscribers_of(areas: list[str], topic: str | None) -> list[str]:
    """Contacts who subscribed to one of the areas or to the topic and confirmed it."""
    found: dict[str, None] = {}
    queries = []
    if areas:
        queries.append(ContactDocument.objects(areas__in=areas))
    if topic:
        queries.append(ContactDocument.objects(topics=topic))
    for query in queries:
        for doc in query.filter(consents__area_updates=True).only("participant_id"):
            found[doc.participant_id] = None
    return list(found)


def queue(
    trigger_event_id: str,
    trigger: str,
    direct: Iterable[str],
    *,
    context: dict,
    correlation_id: str,
    now: datetime,
    subscribers: Iterable[str] = (),
    project_id: str | None = None,
    unit: str | None = None,
    wake: Callable[[str], None] = lambda work: None,
) -> int:
    """Queue one message per chosen person; returns how many were new."""
    direct, subscribers = list(direct), list(subscribers)
    recipients = domain.choose_recipients(trigger, direct, subscribers,
                                          consents_of(direct + subscribers))
    documents = [
        MessageDocument(
            id=domain.message_id(trigger_event_id, r.participant_id), trigger=r.trigger,
            template=domain.TEMPLATE_OF_TRIGGER[r.trigger], purpose=r.purpose,
            trigger_event_id=trigger_event_id, participant_id=r.participant_id,
            project_id=project_id, unit=unit, context=context, correlation_id=correlation_id,
            status="queued", attempts=0, created_at=now, next_attempt_at=now, version=1, outbox=[],
            log=[{"at": now, "outcome": "queued"}],
        ).to_mongo().to_dict()
        for r in recipients
    ]
    queued = sum(_insert_new(chunk) for chunk in _chunks(documents))
    if queued:
        wake(WORKER)  # deliver now rather than on the worker's next tick
    metrics.QUEUED.labels(trigger).inc(queued)
    log.info("messages_queued", trigger=trigger, event_id=trigger_event_id,
             chosen=len(recipients), new=queued,
             without_contact_or_consent=len(set(direct + subscribers)) - len(recipients))
    return queued


def _insert_new(documents: list[dict]) -> int:
    """Insert, skipping the ones that exist (a redelivered event)."""
    if not documents:
        return 0
    try:
        MessageDocument._get_collection().insert_many(documents, ordered=False)
    except pymongo.errors.BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return len(documents) - len(errors)
    return len(documents)


def record_participation(project_id: str, participant_id: str, via: str, joined_at: datetime,
                         event: Event, ctx: ServiceContext) -> None:
    """Remember that someone took part; if results or impact of the project were published
    already (their events came first), queue those messages for them too."""
    collection = ParticipationDocument._get_collection()
    key = f"{project_id}:{participant_id}"
    collection.update_one(
        {"_id": key},
        {"$setOnInsert": {"project_id": project_id, "participant_id": participant_id,
                          "joined_at": joined_at},
         "$addToSet": {"via": via}},
        upsert=True,
    )
    # Keep the earliest time (without $min, which not every MongoDB-protocol server has).
    collection.update_one({"_id": key, "joined_at": {"$gt": joined_at}},
                          {"$set": {"joined_at": joined_at}})
    for published in ProjectTriggerDocument.objects(project_id=project_id):
        if domain.took_part_in_time(joined_at, published.at):
            queue(published.id, published.trigger, [participant_id], context=published.context,
                  correlation_id=event.correlation_id, now=ctx.clock(), project_id=project_id,
                  unit=published.unit, wake=ctx.wake)


def on_participant_joined(event: Event, ctx: ServiceContext) -> None:
    data = event.data
    record_participation(data["project_id"], data["participant_id"], data["via"],
                         parse_time(data["joined_at"]), event, ctx)


def on_feedback_received(event: Event, ctx: ServiceContext) -> None:
    """Feedback linked to a project by someone who left a contact is taking part in it."""
    data = event.data
    if data.get("project_id") and data.get("participant_id"):
        record_participation(data["project_id"], data["participant_id"], "feedback",
                             parse_time(data["received_at"]), event, ctx)


def on_feedback_answered(event: Event, ctx: ServiceContext) -> None:
    participant_id = event.data.get("participant_id")
    if participant_id:
        queue(event.id, "FeedbackAnswered", [participant_id], **_of(event, ctx),
              unit=event.data.get("unit"))


def on_application_decided(event: Event, ctx: ServiceContext) -> None:
    participant_id = event.data.get("participant_id")
    if participant_id:
        queue(event.id, "ApplicationDecided", [participant_id], **_of(event, ctx))


def on_statement_answered(event: Event, ctx: ServiceContext) -> None:
    queue(event.id, "StatementAnswered", event.data["member_ids"], **_of(event, ctx))


_PUBLISHED_AT = {"ResultsPublished": "published_at", "ImpactCommunicated": "communicated_at"}


def on_project_published(event: Event, ctx: ServiceContext) -> None:
    """Results (step 5) and impact (step 7): everyone who had taken part by then, and the
    subscribers of the project's areas and unit."""
    data = event.data
    at = parse_time(data[_PUBLISHED_AT[event.name]])
    try:
        ProjectTriggerDocument(id=event.id, project_id=data["project_id"], trigger=event.name,
                               at=at, unit=data.get("unit"),
                               context=domain.rendering_context(data)).save(force_insert=True)
    except (NotUniqueError, pymongo.errors.DuplicateKeyError):
        pass  # a redelivery: the messages below are deduplicated by their ids
    participants = [
        p.participant_id
        for p in ParticipationDocument.objects(project_id=data["project_id"]).only(
            "participant_id", "joined_at")
        if domain.took_part_in_time(p.joined_at, at)
    ]
    queue(event.id, event.name, participants, **_of(event, ctx),
          subscribers=subscribers_of(data.get("areas") or [], data.get("unit")),
          project_id=data["project_id"], unit=data.get("unit"))


def _of(event: Event, ctx: ServiceContext) -> dict:
    return {"context": domain.rendering_context(event.data),
            "correlation_id": event.correlation_id, "now": ctx.clock(), "wake": ctx.wake}


HANDLERS = {
    "ParticipantJoined": on_participant_joined,
    "FeedbackReceived": on_feedback_received,
    "FeedbackAnswered": on_feedback_answered,
    "ApplicationDecided": on_application_decided,
    "StatementAnswered": on_statement_answered,
    "ResultsPublished": on_project_published,
    "ImpactCommunicated": on_project_published,
}
