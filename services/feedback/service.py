"""The feedback nameko service: its API over HTTP, its outbox relayed to Kafka."""

from services.common.nameko_ext import HttpService, Platform
from services.feedback.wiring import wiring


class FeedbackService(HttpService):
    name = "feedback"
    wiring = wiring
    platform = Platform(wiring)
