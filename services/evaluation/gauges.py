"""The radar as Prometheus gauges: the current year, city-wide, with the newest indicator set.
Refreshed by the service's timer and whenever that same radar is computed for a reader."""

from prometheus_client import Gauge

INDICATOR_VALUE = Gauge(
    "kuultu_evaluation_indicator_value",
    "Value of a radar indicator (a share 0-1, days, a count or a mean) for the current year",
    ["indicator", "area", "period", "version"],
)
INDICATOR_SCORE = Gauge(
    "kuultu_evaluation_indicator_score", "Score 0-5 of a radar indicator for the current year",
    ["indicator", "area", "period", "version"],
)
AREA_SCORE = Gauge(
    "kuultu_evaluation_area_score", "Automatic score 0-5 of a radar area for the current year",
    ["area", "period", "version"],
)


def publish(radar: dict) -> None:
    """Replaces the series with this radar's; an indicator without a value has no series
    (absent, rather than a misleading 0)."""
    period, version = radar["filters"]["period"] or "all", radar["indicator_set_version"]
    for gauge in (INDICATOR_VALUE, INDICATOR_SCORE, AREA_SCORE):
        gauge.clear()
    for area in radar["areas"]:
        if area["score"] is not None:
            AREA_SCORE.labels(area["id"], period, version).set(area["score"])
        for row in area["indicators"]:
            if row["value"] is not None:
                INDICATOR_VALUE.labels(row["id"], area["id"], period, version).set(row["value"])
                INDICATOR_SCORE.labels(row["id"], area["id"], period, version).set(row["score"])
