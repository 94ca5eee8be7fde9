"""The co-creation radar: every indicator of a set computed for some filters, scored 0-5, and
each area's score as the weighted mean of its indicators that have a value. Framework-free."""

from services.evaluation.computations import Facts, Fetch, Filters, compute
from services.evaluation.facts import PROJECT_EVENTS
from services.evaluation.indicator_set import RADAR_AREAS, IndicatorSet


def area_score(scored: list[tuple[float, float]]) -> float | None:
    """Weighted mean of (score, weight) pairs; None when no indicator of the area has data."""
    total = sum(weight for _, weight in scored)
    if not total:
        return None
    return round(sum(score * weight for score, weight in scored) / total, 2)


def compute_radar(indicator_set: IndicatorSet, fetch: Fetch, filters: Filters) -> dict:
    facts = Facts(fetch, filters)
    facts.prefetch(indicator_set.period_reads(), filters.period)
    facts.prefetch([*indicator_set.anytime_reads(),
                    *(PROJECT_EVENTS if filters.unit or filters.area else ())], None)
    areas = []
    for area in RADAR_AREAS:
        rows, scored = [], []
        for indicator in indicator_set.in_area(area):
            result = compute(indicator, facts)
            score = indicator.scale.score(result.value)
            if score is not None:
                scored.append((score, indicator.weight))
            rows.append({
                "id": indicator.id, "name": indicator.name, "kind": indicator.kind,
                "reads": list(indicator.reads), "value": result.value, "n": result.n,
                "score": score, "note": result.note,
            })
        areas.append({"id": area, "name": indicator_set.areas[area],
                      "score": area_score(scored), "indicators": rows})
    return {
        "indicator_set_version": indicator_set.version,
        "title": indicator_set.title,
        "filters": filters.as_dict(),
        "areas": areas,
    }


def scores(radar: dict) -> dict[str, float | None]:
    return {area["id"]: area["score"] for area in radar["areas"]}
