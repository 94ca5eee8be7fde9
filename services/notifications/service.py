"""The notifications nameko service: the contact registry and staff API over HTTP, the
participation events consumed into queued messages, a timer that delivers them, and the
MessageDelivered events relayed to Kafka from the messages' outboxes."""

from nameko.timer import timer

from services.common.nameko_ext import HttpService, Platform, consume
from services.common.topology import SERVICES
from services.notifications import delivery
from services.notifications.wiring import DELIVERY_INTERVAL, wiring


class NotificationsService(HttpService):
    name = "notifications"
    wiring = wiring
    platform = Platform(documents=wiring.documents)

    @consume(topics=SERVICES["notifications"].consumes, events=list(wiring.handlers))
    def on_event(self, event):
        wiring.handle(event, self.platform)

    @timer(interval=DELIVERY_INTERVAL, eager=True)
    def deliver(self):
        delivery.tick(self.platform)
