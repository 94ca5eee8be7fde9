"""The evaluation nameko service: consumes every domain event, serves the figures."""

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import DOMAIN_TOPICS
from services.evaluation.api import HANDLED_EVENTS, handle_event, router


class EvaluationService(HttpService):
    name = "evaluation"
    router = router
    platform = Platform()

    @consume(topics=DOMAIN_TOPICS, events=HANDLED_EVENTS)
    def on_event(self, event):
        handle_event(event, self.platform)
