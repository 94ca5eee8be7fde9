"""Comprehensive evaluations and the radar's filters, free of frameworks.

A comprehensive evaluation is made for one period with one indicator set version (kept for
good, as the model asks). Evaluators give each of the four areas an expert score (0-5) and a
note; publishing freezes the automatic radar next to the expert view and records
EvaluationPublished."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.common.envelope import iso
from services.common.errors import Conflict, ValidationFailed
from services.common.vocabulary import AREAS
from services.evaluation.computations import Filters
from services.evaluation.indicator_set import RADAR_AREAS

PERIOD_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
UNIT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
LANGUAGES = ("en", "fi")
MAX_TITLE = 200
MAX_NOTE = 4000


def parse_filters(query: dict[str, str]) -> Filters:
    """The radar's filters from a query string; every bad one gets its own reason."""
    errors = {}
    period = query.get("period") or None
    unit = query.get("unit") or None
    area = query.get("area") or None
    if period and not PERIOD_PATTERN.match(period):
        errors["period"] = "must be a year (2026) or a month (2026-11)"
    if unit and not UNIT_PATTERN.match(unit):
        errors["unit"] = "must be a unit code: letters, digits and . _ : - (at most 80)"
    if area and area not in AREAS:
        errors["area"] = f"unknown major area; allowed values: {', '.join(AREAS)}"
    if errors:
        raise ValidationFailed(errors)
    return Filters(period=period, unit=unit, area=area)


def parse_language(query: dict[str, str]) -> str:
    lang = query.get("lang") or "en"
    if lang not in LANGUAGES:
        raise ValidationFailed({"lang": f"allowed values: {', '.join(LANGUAGES)}"})
    return lang


@dataclass
class Evaluation:
    id: str
    period: str
    indicator_set_version: str
    title: str
    created_at: datetime
    created_by: str
    status: str = "draft"  # draft -> published
    assessments: dict[str, dict] = field(default_factory=dict)  # area -> score, note, by, at
    published_at: datetime | None = None
    published_by: str | None = None
    radar: dict | None = None  # the automatic radar as it was published
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)


def create(payload: dict, *, now: datetime, actor_id: str, versions: list[str]) -> Evaluation:
    """`versions`: the indicator set versions there are, the newest last (the default)."""
    errors = {}
    period = payload.get("period")
    if not isinstance(period, str) or not PERIOD_PATTERN.match(period):
        errors["period"] = "is required: a year (2026) or a month (2026-11)"
    version = payload.get("indicator_set_version") or versions[-1]
    if version not in versions:
        errors["indicator_set_version"] = f"unknown version; there are: {', '.join(versions)}"
    title = payload.get("title")
    if title is not None and (not isinstance(title, str) or len(title.strip()) > MAX_TITLE):
        errors["title"] = f"must be text of at most {MAX_TITLE} characters"
    for name in sorted(set(payload) - {"period", "indicator_set_version", "title"}):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return Evaluation(
        id=str(uuid.uuid4()), period=period, indicator_set_version=version,
        title=(title or "").strip() or f"Comprehensive evaluation {period}",
        created_at=now, created_by=actor_id,
    )


def assess(evaluation: Evaluation, area: str, payload: dict, *, now: datetime,
           actor_id: str) -> None:
    if area not in RADAR_AREAS:
        raise ValidationFailed({"area": f"allowed values: {', '.join(RADAR_AREAS)}"})
    if evaluation.status == "published":
        raise Conflict("The evaluation is published; its assessments can no longer change.")
    errors = {}
    score = payload.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 5:
        errors["score"] = "is required: a number from 0 to 5"
    note = payload.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        errors["note"] = f"must be text of at most {MAX_NOTE} characters"
    for name in sorted(set(payload) - {"score", "note"}):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    evaluation.assessments[area] = {"score": round(float(score), 2), "note": note.strip(),
                                    "by": actor_id, "at": iso(now)}


def publish(evaluation: Evaluation, radar: dict, *, now: datetime, actor_id: str) -> None:
    """Freezes `radar` (the automatic view, computed by the caller for the evaluation's period
    and version) and records EvaluationPublished. Every area needs an expert assessment."""
    if evaluation.status == "published":
        raise Conflict("The evaluation is published already.")
    missing = [a for a in RADAR_AREAS if a not in evaluation.assessments]
    if missing:
        raise ValidationFailed({f"assessments.{a}": "an expert score is needed before "
                                "publishing" for a in missing})
    evaluation.status = "published"
    evaluation.published_at = now
    evaluation.published_by = actor_id
    evaluation.radar = radar
    evaluation.events.append(("EvaluationPublished", {
        "evaluation_id": evaluation.id,
        "indicator_set_version": evaluation.indicator_set_version,
        "period": evaluation.period,
        "scores": {area["id"]: area["score"] for area in radar["areas"]},
        "expert_scores": {a: evaluation.assessments[a]["score"] for a in RADAR_AREAS},
        "published_at": iso(now),
    }))


def expert_scores(evaluation: Evaluation) -> dict[str, float | None]:
    return {a: evaluation.assessments.get(a, {}).get("score") for a in RADAR_AREAS}


def view(evaluation: Evaluation, radar: dict) -> dict:
    """The evaluation as evaluators read it: the automatic radar (frozen once published)
    with the expert assessment of each area next to its automatic score."""
    return {
        "id": evaluation.id,
        "period": evaluation.period,
        "indicator_set_version": evaluation.indicator_set_version,
        "title": evaluation.title,
        "status": evaluation.status,
        "created_at": iso(evaluation.created_at),
        "created_by": evaluation.created_by,
        "published_at": iso(evaluation.published_at) if evaluation.published_at else None,
        "published_by": evaluation.published_by,
        "radar": radar,
        "expert": {a: evaluation.assessments.get(a) for a in RADAR_AREAS},
    }


def summary_view(evaluation: Evaluation) -> dict:
    return {
        "id": evaluation.id, "period": evaluation.period, "title": evaluation.title,
        "indicator_set_version": evaluation.indicator_set_version, "status": evaluation.status,
        "created_at": iso(evaluation.created_at),
        "published_at": iso(evaluation.published_at) if evaluation.published_at else None,
        "expert_scores": expert_scores(evaluation),
    }
