"""Loading and saving the tables service's aggregates; the bodies are seeded on first use."""

from datetime import date

import pymongo.errors

from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.errors import Conflict, NotFound, TransientError
from services.tables.applications import Application
from services.tables.bodies import DEFAULT_BODIES, Body
from services.tables.calls import Call
from services.tables.documents import (
    ApplicantKeyDocument,
    ApplicationDocument,
    BodyDocument,
    CallDocument,
    SelectionDocument,
    StatementDocument,
    from_document,
    to_document,
)
from services.tables.selection import Selection, selection_id
from services.tables.work import Statement

DOCUMENTS = {Application: ApplicationDocument, Selection: SelectionDocument,
             Statement: StatementDocument}


def save(aggregate, ctx: ServiceContext, correlation_id: str | None, version: int = 0) -> int:
    """Stores the aggregate and the events it recorded in one write; returns the new version."""
    events = [new_event(name, data, service=ctx.service,
                        subject=data.get("application_id") if name == "ApplicationDecided"
                        else _subject(aggregate, name), correlation_id=correlation_id)
              for name, data in aggregate.events]
    doc = to_document(aggregate, DOCUMENTS[type(aggregate)], version=version)
    ctx.save_with_events(doc, events)
    aggregate.events.clear()
    return doc.version


def _subject(aggregate, event_name: str) -> str:
    # MembersSelected is about the body (the example's key); everything else its aggregate.
    return aggregate.body_id if event_name == "MembersSelected" else aggregate.id


def seed_bodies() -> None:
    """Idempotent: inserts the default bodies that are missing, never overwrites a change."""
    collection = BodyDocument._get_collection()
    for body in DEFAULT_BODIES:
        state = to_document(body, BodyDocument).to_mongo().to_dict()
        state.pop("_id")  # given by the filter
        try:
            collection.update_one({"_id": body.id}, {"$setOnInsert": state}, upsert=True)
        except pymongo.errors.DuplicateKeyError:
            pass  # another process seeded it at the same moment
        except pymongo.errors.ConnectionFailure as exc:
            raise TransientError(f"database unavailable: {exc}") from exc


def load_bodies() -> dict[str, Body]:
    docs = list(BodyDocument.objects)
    if not docs:
        seed_bodies()
        docs = list(BodyDocument.objects)
    bodies = [from_document(d, Body) for d in docs]
    order = {b.id: i for i, b in enumerate(DEFAULT_BODIES)}
    return {b.id: b for b in sorted(bodies, key=lambda b: (order.get(b.id, len(order)), b.id))}


def body(body_id: str) -> Body:
    found = load_bodies().get(body_id)
    if found is None:
        raise NotFound(f"No body {body_id!r}.")
    return found


def store_body(value: Body) -> None:
    to_document(value, BodyDocument).save()


def call(call_id: str) -> Call:
    doc = CallDocument.objects(id=call_id).first()
    if doc is None:
        raise NotFound(f"No call {call_id!r}.")
    return from_document(doc, Call)


def calls() -> list[Call]:
    return sorted((from_document(d, Call) for d in CallDocument.objects),
                  key=lambda c: (c.closes_on, c.id), reverse=True)


def store_call(value: Call) -> None:
    to_document(value, CallDocument).save()


def application(application_id: str) -> tuple[Application, int]:
    doc = ApplicationDocument.objects(id=application_id).first()
    if doc is None:
        raise NotFound(f"No application {application_id!r}.")
    return from_document(doc, Application), doc.version


def applications(call_id: str, body_id: str | None = None,
                 status: str | None = "submitted") -> list[Application]:
    query = {"call_id": call_id}
    if body_id:
        query["body_id"] = body_id
    if status:
        query["status"] = status
    docs = ApplicationDocument.objects(**query).order_by("submitted_at")
    return [from_document(d, Application) for d in docs]


def applications_by_id(ids) -> dict[str, Application]:
    return {d.id: from_document(d, Application)
            for d in ApplicationDocument.objects(id__in=list(ids))}


def selection(call_id: str, body_id: str) -> tuple[Selection, int] | tuple[None, int]:
    doc = SelectionDocument.objects(id=selection_id(call_id, body_id)).first()
    return (from_document(doc, Selection), doc.version) if doc else (None, 0)


def selections(**query) -> list[tuple[Selection, int]]:
    return [(from_document(d, Selection), d.version) for d in SelectionDocument.objects(**query)]


def current_selection(body_id: str, today: date) -> tuple[Selection, int] | tuple[None, int]:
    """The decided term in progress; else the next one decided; else the last one."""
    decided = selections(body_id=body_id, status="decided")
    ongoing = [s for s in decided if s[0].term_start <= today <= s[0].term_end]
    upcoming = [s for s in decided if s[0].term_start > today]
    if ongoing:
        return max(ongoing, key=lambda s: s[0].term_start)
    if upcoming:
        return min(upcoming, key=lambda s: s[0].term_start)
    return max(decided, key=lambda s: s[0].term_end) if decided else (None, 0)


def statement(statement_id: str) -> tuple[Statement, int]:
    doc = StatementDocument.objects(id=statement_id).first()
    if doc is None:
        raise NotFound(f"No statement {statement_id!r}.")
    return from_document(doc, Statement), doc.version


def statements(body_id: str | None = None) -> list[Statement]:
    docs = StatementDocument.objects(**({"body_id": body_id} if body_id else {}))
    return sorted((from_document(d, Statement) for d in docs),
                  key=lambda s: (s.submitted_on, s.submitted_at), reverse=True)


PERSONAL_FIELDS = ("name", "date_of_birth", "motivation", "organisation", "participant_id",
                   "withdrawal_code_hash")


def store_anonymised(value: Application, version: int) -> None:
    """Removes the personal fields for good ($unset: a plain save would keep old values of
    fields that became empty) and the duplicate guard, so the person may apply again."""
    assert value.anonymised_at is not None
    try:
        result = ApplicationDocument._get_collection().update_one(
            {"_id": value.id, "version": version},
            {"$set": {"status": value.status, "withdrawn_at": value.withdrawn_at,
                      "anonymised_at": value.anonymised_at, "gender": value.gender,
                      "public_listing": False},
             "$unset": dict.fromkeys(PERSONAL_FIELDS, ""), "$inc": {"version": 1}})
        if result.matched_count != 1:
            raise Conflict("The application was changed meanwhile; try again.")
        ApplicantKeyDocument.objects(application_id=value.id).delete()
    except pymongo.errors.ConnectionFailure as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
