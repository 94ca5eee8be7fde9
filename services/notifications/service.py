"""The notifications nameko service: the contact registry and staff API over HTTP, the
participation events consumed into queued messages, the delivery worker that sends them
(periodic work, wiring.py), and the MessageDelivered events relayed to Kafka from the
messages' outboxes."""

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.notifications.wiring import wiring


class NotificationsService(HttpService):
    name = "notifications"
    wiring = wiring
    platform = Platform(wiring)

    @consume(topics=SERVICES["notifications"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)
