"""The projects nameko service: its API over HTTP, its outbox relayed to Kafka, feedback
linked from the event flow, and a timer that flags overdue steps."""

import os

from nameko.timer import timer

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.projects import reminders
from services.projects.wiring import wiring

REMINDER_SECONDS = float(os.environ.get("KUULTU_PROJECTS_REMINDER_SECONDS") or 900)


class ProjectsService(HttpService):
    name = "projects"
    wiring = wiring
    platform = Platform(documents=wiring.documents)

    @consume(topics=SERVICES["projects"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)

    @timer(interval=REMINDER_SECONDS, eager=True)
    def flag_overdue_steps(self):
        reminders.tick(self.platform.clock())
