"""Facts in, figures out: the evaluation projection's write and read side over the active
generation of facts (see generations.py).

Writing is idempotent by construction: a fact's id is its event's id, so recording it is the
duplicate check and the effect in one atomic write, and a redelivered event changes nothing.
Figures are computed from the facts when asked, so a projection per period, unit, major area
or project is exact whatever order the topics were read in."""

from collections import Counter, defaultdict

from services.common.envelope import Event
from services.common.errors import ValidationFailed
from services.evaluation import generations, indicator_set
from services.evaluation.computations import Facts, Fetch, Filters
from services.evaluation.facts import fact_from_event
from services.evaluation.indicator_set import IndicatorSet
from services.evaluation.radar import compute_radar


def record(event: Event) -> bool:
    """Apply an event once (to the active generation, and to one being rebuilt).
    Returns False when it had been applied already."""
    fact = fact_from_event(event)
    new = False
    for name in generations.targets():
        new = generations.insert(name, [dict(fact)]) > 0 or new
    return new


class FactReader:
    """Reads facts from a generation (the active one by default): of one event type (a Fetch),
    or of several in one query (`many`)."""

    FIELDS = {"subject": 0, "at": 0}

    def __init__(self, generation: str | None = None):
        self.facts = generations.collection(generation or generations.active())

    def __call__(self, name: str, period: str | None) -> list[dict]:
        return list(self.facts.find({"name": name, **_in_period(period)}, self.FIELDS))

    def many(self, names: tuple[str, ...], period: str | None) -> dict[str, list[dict]]:
        found = defaultdict(list)
        for fact in self.facts.find({"name": {"$in": list(names)}, **_in_period(period)},
                                    self.FIELDS):
            found[fact["name"]].append(fact)
        return found


def _in_period(period: str | None) -> dict:
    return {"month" if len(period) == 7 else "year": period} if period else {}


def fetcher(generation: str | None = None) -> Fetch:
    return FactReader(generation)


def indicator_set_for(version: str | None = None) -> IndicatorSet:
    """A version of the indicator set; the newest when none is named."""
    sets = indicator_set.available()
    if version is None:
        return list(sets.values())[-1]
    if version not in sets:
        raise ValidationFailed({"version": "unknown indicator set version; there are: "
                                + ", ".join(sets)})
    return sets[version]


def radar(filters: Filters, version: str | None = None, generation: str | None = None) -> dict:
    return compute_radar(indicator_set_for(version), fetcher(generation), filters)


def fact_count(generation: str) -> int:
    return generations.collection(generation).count_documents({})


def _counts(facts, name: str, field: str, match: dict) -> dict[str, int]:
    pipeline = [
        {"$match": {"name": name, **match}},
        {"$group": {"_id": f"${field}", "n": {"$sum": 1}}},
    ]
    counts = Counter()
    for row in facts.aggregate(pipeline):
        counts[str(row["_id"]) if row["_id"] is not None else "unknown"] += row["n"]
    return dict(sorted(counts.items()))


def summary(filters: dict[str, str]) -> dict:
    """Counts of the main events, optionally for one month, year, major area or unit."""
    facts = generations.collection(generations.active())
    match = {}
    for key in ("month", "year", "unit"):
        if filters.get(key):
            match[key] = filters[key]
    if filters.get("area"):
        match["areas"] = filters["area"]
    by_kind = _counts(facts, "FeedbackReceived", "data.kind", match)
    return {
        "filters": {k: v for k, v in filters.items() if v},
        "feedback_received": sum(by_kind.values()),
        "feedback_by_kind": by_kind,
        "feedback_by_area": _counts(facts, "FeedbackReceived", "data.area", match),
        "feedback_by_month": _counts(facts, "FeedbackReceived", "month", match),
        "feedback_answered": sum(_counts(facts, "FeedbackAnswered", "month", match).values()),
        "project_steps_completed": _counts(facts, "ProjectStepCompleted", "data.step", match),
        "results_published": sum(_counts(facts, "ResultsPublished", "month", match).values()),
        "applications_submitted": sum(
            _counts(facts, "ApplicationSubmitted", "month", match).values()),
    }


def project_figures(fetch: Fetch, filters: Filters) -> list[dict]:
    """Per project: how far it got through the seven steps and whether it closed the loop.
    A project is listed when it completed a step in the period and matches unit and area;
    its figures count every event about it, whenever it happened."""
    facts = Facts(fetch, filters)
    in_period = {f["project_id"] for f in facts.of("ProjectStepCompleted", filters.period)
                 if facts.in_scope(f)}
    steps, methods = defaultdict(set), defaultdict(set)
    for fact in facts.of("ProjectStepCompleted", None):
        steps[fact["project_id"]].add(fact["data"]["step"])
        if fact["data"]["step"] == 2:
            methods[fact["project_id"]].update(fact["data"].get("methods") or [])
    joined, told, ratings = defaultdict(set), defaultdict(set), defaultdict(list)
    for fact in facts.of("ParticipantJoined", None):
        joined[fact["project_id"]].add(fact["data"]["participant_id"])
    for fact in facts.of("MessageDelivered", None):
        if fact["data"].get("trigger") == "ImpactCommunicated" and fact.get("project_id"):
            told[fact["project_id"]].add(fact["data"]["participant_id"])
    for fact in facts.of("ParticipationRated", None):
        ratings[fact["project_id"]].append(fact["data"]["score"])
    published = {f["project_id"] for f in facts.of("ResultsPublished", None)}
    impact = {f["project_id"] for f in facts.of("ImpactCommunicated", None)}
    rows = []
    projects = facts.projects()
    for project_id in sorted(in_period):
        unit, areas = projects.get(project_id, (None, set()))
        people = joined[project_id]
        rows.append({
            "project_id": project_id, "unit": unit, "areas": sorted(areas),
            "steps_completed": sorted(steps[project_id]),
            "last_step": max(steps[project_id]),
            "methods": sorted(methods[project_id]),
            "participants": len(people),
            "told_impact": len(people & told[project_id]),
            "results_published": project_id in published,
            "impact_communicated": project_id in impact,
            "ratings": len(ratings[project_id]),
            "rating_mean": (round(sum(ratings[project_id]) / len(ratings[project_id]), 2)
                            if ratings[project_id] else None),
        })
    return rows
