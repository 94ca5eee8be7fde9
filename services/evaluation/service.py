"""The evaluation nameko service: consumes every domain event, serves the figures."""

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.evaluation.wiring import wiring


class EvaluationService(HttpService):
    name = "evaluation"
    wiring = wiring
    platform = Platform(documents=wiring.documents)

    @consume(topics=SERVICES["evaluation"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)
