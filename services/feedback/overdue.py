"""The `kuultu_feedback_overdue{unit}` gauge, computed from the store at each scrape so it
is exact in every process that runs the feedback service (nameko or the embedded default).
Replicas report the same figure: aggregate with max(), not sum()."""

import os

import structlog
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

from services.common.envelope import utcnow
from services.feedback.queries import overdue_by_unit
from services.feedback.repository import answer_times

log = structlog.get_logger(__name__)
NAME = "kuultu_feedback_overdue"


class OverdueCollector:
    def __init__(self, settings=os.environ):
        self.settings = settings

    def describe(self):
        return [GaugeMetricFamily(NAME, "", labels=["unit"])]

    def collect(self):
        family = GaugeMetricFamily(
            NAME, "Open feedback past its unit's expected answer time", labels=["unit"])
        try:
            counts = overdue_by_unit(utcnow(), answer_times(self.settings))
        except Exception as exc:  # the database is away: no figure rather than a wrong one
            log.warning("overdue_gauge_unavailable", error=repr(exc))
            return
        for unit, count in sorted(counts.items()):
            family.add_metric([unit], count)
        yield family


_registered = False


def register() -> None:
    """Once per process: the service's wiring calls it."""
    global _registered
    if not _registered:
        REGISTRY.register(OverdueCollector())
        _registered = True
