"""The feedback nameko service: its API over HTTP, its outbox relayed to Kafka."""

from services.common.nameko_ext import HttpService, Platform
from services.feedback.api import router
from services.feedback.documents import FeedbackDocument


class FeedbackService(HttpService):
    name = "feedback"
    router = router
    platform = Platform(documents=[FeedbackDocument])
