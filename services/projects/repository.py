"""Reading and writing the projects service's documents: every write that emits events goes
through the outbox in the same atomic write as the state."""

from collections import Counter

import pymongo.errors
from mongoengine.errors import NotUniqueError

from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.errors import Conflict, NotFound
from services.common.outbox import OutboxDocument
from services.projects.documents import (
    FeedbackLinkDocument,
    ProjectDocument,
    RatingDocument,
    RegistrationDocument,
    SeatsDocument,
    project_from_document,
    project_to_document,
)
from services.projects.domain import Project


def emit(document: OutboxDocument, events: list[tuple[str, dict]], subject: str,
         ctx: ServiceContext, correlation_id: str) -> None:
    """Stores the document and its events in one write, then wakes the relay. Events are
    keyed by `subject` (the project id for everything about a project)."""
    envelopes = [new_event(name, data, service=ctx.service, subject=subject,
                           correlation_id=correlation_id) for name, data in events]
    ctx.save_with_events(document, envelopes)
    events.clear()


def load_project(project_id: str) -> tuple[Project, int]:
    doc = ProjectDocument.objects(id=project_id).first()
    if doc is None:
        raise NotFound(f"No project {project_id}.")
    return project_from_document(doc), doc.version


def save_project(project: Project, version: int, ctx: ServiceContext,
                 correlation_id: str) -> None:
    emit(project_to_document(project, version), project.events, project.id, ctx,
         correlation_id)


def find_projects(**filters) -> list[Project]:
    return [project_from_document(d) for d in ProjectDocument.objects(**filters)]


def registration_counts(project_id: str) -> dict[str, int]:
    return dict(Counter(r.session_id for r in
                        RegistrationDocument.objects(project_id=project_id).only("session_id")))


def satisfaction(project_id: str) -> dict:
    scores = Counter(r.score for r in RatingDocument.objects(project_id=project_id).only("score"))
    answers = sum(scores.values())
    mean = sum(s * n for s, n in scores.items()) / answers if answers else None
    return {"answers": answers, "mean": round(mean, 2) if mean is not None else None,
            "by_score": {str(s): scores.get(s, 0) for s in range(1, 6)}}


def linked_feedback(project_id: str) -> list[str]:
    return sorted(d.id for d in FeedbackLinkDocument.objects(project_id=project_id).only("id"))


def link_feedback(feedback_id: str, project_id: str, received_at) -> bool:
    """Returns False when the feedback was linked already (a redelivered event)."""
    try:
        FeedbackLinkDocument(id=feedback_id, project_id=project_id,
                             received_at=received_at).save(force_insert=True)
    except (NotUniqueError, pymongo.errors.DuplicateKeyError):
        return False
    return True


def reserve_seat(key: str, capacity: int) -> None:
    """Takes one place at a session in one conditional update, or refuses when it is full."""
    seats = SeatsDocument._get_collection()
    seats.update_one({"_id": key}, {"$setOnInsert": {"taken": 0}}, upsert=True)
    taken = seats.update_one({"_id": key, "taken": {"$lt": capacity}}, {"$inc": {"taken": 1}})
    if taken.matched_count != 1:
        raise Conflict("The session is full.", fields={"session": "no places left"})


def release_seat(key: str) -> None:
    SeatsDocument._get_collection().update_one({"_id": key, "taken": {"$gt": 0}},
                                               {"$inc": {"taken": -1}})
