"""Loading and saving feedback: state and events in one write, with the version read."""

import os
from collections.abc import Callable, Mapping

from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.errors import Conflict, NotFound
from services.feedback import domain
from services.feedback.documents import (
    AnswerTimeDocument,
    FeedbackDocument,
    from_document,
    to_document,
)

ATTEMPTS = 3  # a concurrent change is re-read and the command applied again


def load(feedback_id: str) -> tuple[domain.Feedback, int]:
    doc = FeedbackDocument.objects(id=feedback_id).first()
    if doc is None:
        raise NotFound(f"No feedback {feedback_id}.")
    return from_document(doc), doc.version


def save(feedback: domain.Feedback, ctx: ServiceContext, correlation_id: str,
         version: int = 0) -> None:
    events = [
        new_event(name, data, service=ctx.service, subject=feedback.id,
                  correlation_id=correlation_id)
        for name, data in feedback.events
    ]
    ctx.save_with_events(to_document(feedback, version), events)
    feedback.events.clear()


def change(feedback_id: str, command: Callable[[domain.Feedback], object],
           ctx: ServiceContext, correlation_id: str) -> tuple[domain.Feedback, object]:
    """Applies `command` to the stored feedback and saves it with its events; retried on a
    concurrent write. Returns the feedback and what the command returned."""
    for attempt in range(1, ATTEMPTS + 1):
        feedback, version = load(feedback_id)
        recorded = len(feedback.history)
        result = command(feedback)
        if len(feedback.history) == recorded:
            return feedback, result  # every change is in the history: nothing changed
        try:
            save(feedback, ctx, correlation_id, version)
        except Conflict:
            if attempt == ATTEMPTS:
                raise
            continue
        return feedback, result
    raise AssertionError("unreachable")


def default_answer_days(settings: Mapping) -> int:
    """KUULTU_FEEDBACK_ANSWER_DAYS from the service's config, else the environment."""
    configured = settings.get("KUULTU_FEEDBACK_ANSWER_DAYS") or os.environ.get(
        "KUULTU_FEEDBACK_ANSWER_DAYS")
    return int(configured) if configured else domain.DEFAULT_ANSWER_DAYS


def answer_times(settings: Mapping) -> domain.AnswerTimes:
    return domain.AnswerTimes(
        default_days=default_answer_days(settings),
        by_unit={doc.unit: doc.days for doc in AnswerTimeDocument.objects},
    )
