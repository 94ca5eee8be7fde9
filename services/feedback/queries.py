"""Read side of feedback: the staff inbox, Open311 listings and overdue counts.

Queries use only operators that behave the same on MongoDB 7 and FerretDB ($in, $nin, $or,
$nor, $and, ranges; a null match also matches a missing field)."""

from collections import Counter
from datetime import datetime, timedelta

from services.common.actor import Actor, Forbidden
from services.common.errors import ValidationFailed
from services.common.vocabulary import AREAS
from services.feedback import domain
from services.feedback.documents import FeedbackDocument, from_document

UNASSIGNED = "unassigned"
MAX_PAGE = 200


def overdue_condition(now: datetime, times: domain.AnswerTimes) -> dict:
    """Open feedback received longer ago than its unit's expected answer time."""
    per_unit = [{"unit": unit, "received_at": {"$lt": now - timedelta(days=days)}}
                for unit, days in times.by_unit.items()]
    others = {"unit": {"$nin": list(times.by_unit)},
              "received_at": {"$lt": now - timedelta(days=times.default_days)}}
    return {"status": {"$in": list(domain.OPEN_STATUSES)}, "$or": [*per_unit, others]}


def _choices(value: str, allowed: tuple, name: str, errors: dict) -> list[str]:
    values = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[name] = f"unknown value {', '.join(unknown)}; allowed values: {', '.join(allowed)}"
    return values


def _whole(value: str | None, name: str, default: int, low: int, high: int,
           errors: dict) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        errors[name] = f"must be a whole number from {low} to {high}"
        return default
    return int(value)


def inbox(query: dict, actor: Actor, now: datetime, times: domain.AnswerTimes) -> dict:
    """Filters: status, unit (or `unassigned`), area, kind, channel (comma lists),
    overdue=true|false, limit, offset. Staff see their own unit's and unassigned feedback."""
    errors: dict[str, str] = {}
    conditions: list[dict] = []
    for name, allowed, field in (("status", domain.STATUSES, "status"),
                                 ("area", AREAS, "area"), ("kind", domain.KINDS, "kind"),
                                 ("channel", domain.CHANNELS, "channel")):
        if query.get(name):
            conditions.append({field: {"$in": _choices(query[name], allowed, name, errors)}})
    unit = query.get("unit") or None
    if unit is not None and unit != UNASSIGNED and not domain.UNIT_PATTERN.match(unit):
        errors["unit"] = f"must be a unit code such as urban-environment, or {UNASSIGNED}"
    overdue = query.get("overdue")
    if overdue not in (None, "", "true", "false"):
        errors["overdue"] = "must be true or false"
    limit = _whole(query.get("limit"), "limit", 50, 1, MAX_PAGE, errors)
    offset = _whole(query.get("offset"), "offset", 0, 0, 10**6, errors)
    if errors:
        raise ValidationFailed(errors)

    unit_value = None if unit == UNASSIGNED else unit
    if not actor.may_see_unit(unit_value):
        raise Forbidden("Staff see their own unit's feedback and unassigned feedback.")
    if unit is not None:
        conditions.append({"unit": unit_value})
    elif not actor.has("coordinator", "evaluator"):  # staff: as in Actor.may_see_unit
        conditions.append({"unit": {"$in": [actor.unit, None]}})
    if overdue == "true":
        conditions.append(overdue_condition(now, times))
    elif overdue == "false":
        conditions.append({"$nor": [overdue_condition(now, times)]})

    found = FeedbackDocument.objects(__raw__={"$and": conditions} if conditions else {})
    total = found.count()
    page = found.order_by("-received_at").skip(offset).limit(limit)
    return {
        "items": [domain.staff_summary(from_document(doc), now, times) for doc in page],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def open311_requests(filters: dict, limit: int) -> list[domain.Feedback]:
    if "ids" in filters:
        docs = FeedbackDocument.objects(id__in=filters["ids"])
    else:
        query: dict = {"received_at": {"$gte": filters["start"], "$lte": filters["end"]}}
        if "kinds" in filters:
            query["kind"] = {"$in": filters["kinds"]}
        if "statuses" in filters:
            query["status"] = {"$in": filters["statuses"]}
        docs = FeedbackDocument.objects(__raw__=query)
    return [from_document(doc) for doc in docs.order_by("-received_at").limit(limit)]


def originals_of(items: list[domain.Feedback]) -> dict[str, domain.Feedback]:
    """The originals of the duplicates among `items`, whose answers the duplicates show."""
    ids = {f.duplicate_of for f in items if f.duplicate_of}
    if not ids:
        return {}
    return {doc.id: from_document(doc) for doc in FeedbackDocument.objects(id__in=list(ids))}


def overdue_by_unit(now: datetime, times: domain.AnswerTimes) -> dict[str, int]:
    """Overdue feedback per unit, with a zero for every unit that has open feedback."""
    counts: Counter[str] = Counter()
    collection = FeedbackDocument._get_collection()
    for row in collection.find({"status": {"$in": list(domain.OPEN_STATUSES)}},
                               {"unit": 1, "received_at": 1}):
        unit = row.get("unit")
        received = row["received_at"]
        if received.tzinfo is None:  # the embedded store may hand back naive UTC
            received = received.replace(tzinfo=now.tzinfo)
        late = now > received + timedelta(days=times.days_for(unit))
        counts[unit or UNASSIGNED] += int(late)
    return dict(counts)
