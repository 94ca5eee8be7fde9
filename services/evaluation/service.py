"""The evaluation nameko service: consumes every domain event into facts, serves the radar,
relays EvaluationPublished from its outbox, and keeps the Prometheus gauges fresh
(periodic work, wiring.py)."""

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.evaluation.wiring import wiring


class EvaluationService(HttpService):
    name = "evaluation"
    wiring = wiring
    platform = Platform(wiring)

    @consume(topics=SERVICES["evaluation"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)
