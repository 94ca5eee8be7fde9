"""The projects nameko service: its API over HTTP, its outbox relayed to Kafka, feedback
linked from the event flow, and the periodic work that flags overdue steps (wiring.py)."""

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.projects.wiring import wiring


class ProjectsService(HttpService):
    name = "projects"
    wiring = wiring
    platform = Platform(wiring)

    @consume(topics=SERVICES["projects"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)
