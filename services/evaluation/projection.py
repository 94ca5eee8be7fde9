"""Facts in, figures out: the evaluation projection's write and read side, framework-free
apart from the document it stores."""

from collections import Counter
from datetime import datetime

import pymongo.errors
from mongoengine.errors import NotUniqueError

from services.common.envelope import Event
from services.common.errors import TransientError
from services.evaluation.documents import EventFact

# The periods of a fact follow the domain time in its data where there is one.
_TIME_FIELDS = ("received_at", "answered_at", "completed_at", "submitted_at", "published_at")


def fact_from_event(event: Event) -> EventFact:
    data = event.data
    when = next((data[f] for f in _TIME_FIELDS if data.get(f)), event.time)
    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    areas = data.get("areas") or []
    return EventFact(
        id=event.id,
        name=event.name,
        subject=event.subject,
        time=moment,
        month=moment.strftime("%Y-%m"),
        year=moment.strftime("%Y"),
        area=data.get("area") or (areas[0] if len(areas) == 1 else None),
        unit=data.get("unit"),
        project_id=data.get("project_id"),
        data=data,
    )


def record(event: Event) -> bool:
    """Apply an event once. Returns False when it had been applied already."""
    try:
        fact_from_event(event).save(force_insert=True)
    except (NotUniqueError, pymongo.errors.DuplicateKeyError):
        return False
    except pymongo.errors.ConnectionFailure as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
    return True


def _counts(name: str, field: str, match: dict) -> dict[str, int]:
    pipeline = [
        {"$match": {"name": name, **match}},
        {"$group": {"_id": f"${field}", "n": {"$sum": 1}}},
    ]
    counts = Counter()
    for row in EventFact.objects.aggregate(pipeline):
        counts[row["_id"] if row["_id"] is not None else "unknown"] += row["n"]
    return dict(sorted(counts.items()))


def summary(filters: dict[str, str]) -> dict:
    """Counts of the main events, optionally for one period, area or unit."""
    match = {}
    if filters.get("month"):
        match["month"] = filters["month"]
    if filters.get("year"):
        match["year"] = filters["year"]
    for key in ("area", "unit"):
        if filters.get(key):
            match[key] = filters[key]
    by_kind = _counts("FeedbackReceived", "data.kind", match)
    return {
        "filters": {k: v for k, v in filters.items() if v},
        "feedback_received": sum(by_kind.values()),
        "feedback_by_kind": by_kind,
        "feedback_by_area": _counts("FeedbackReceived", "area", match),
        "feedback_by_month": _counts("FeedbackReceived", "month", match),
        "feedback_answered": sum(_counts("FeedbackAnswered", "area", match).values()),
        "project_steps_completed": _counts("ProjectStepCompleted", "data.step", match),
        "results_published": sum(_counts("ResultsPublished", "unit", match).values()),
        "applications_submitted": sum(_counts("ApplicationSubmitted", "area", match).values()),
    }
