"""The evaluation nameko service: consumes every domain event into facts, serves the radar,
relays EvaluationPublished from its outbox, and keeps the Prometheus gauges fresh."""

from nameko.timer import timer

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.evaluation.api import refresh_gauges
from services.evaluation.wiring import GAUGE_INTERVAL, wiring


class EvaluationService(HttpService):
    name = "evaluation"
    wiring = wiring
    platform = Platform(documents=wiring.documents)

    @consume(topics=SERVICES["evaluation"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)

    @timer(interval=GAUGE_INTERVAL, eager=True)
    def refresh_gauges(self):
        refresh_gauges(self.platform)
