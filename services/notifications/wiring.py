from services.common.wiring import Periodic, Wiring
from services.notifications import delivery
from services.notifications.api import router
from services.notifications.documents import MessageDocument
from services.notifications.queueing import HANDLERS

# The delivery worker runs every second, and at once when an event queued messages.
DELIVERY_INTERVAL = 1.0

wiring = Wiring(router=router, documents=[MessageDocument], handlers=dict(HANDLERS),
                periodic=[Periodic(delivery.WORKER, DELIVERY_INTERVAL, delivery.tick)])
