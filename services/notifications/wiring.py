from services.common.wiring import Periodic, Wiring
from services.notifications import delivery
from services.notifications.api import router
from services.notifications.documents import MessageDocument
from services.notifications.queueing import HANDLERS

# The embedded runner calls the delivery worker every second; the nameko service has its
# own timer (service.py).
DELIVERY_INTERVAL = 1.0

wiring = Wiring(router=router, documents=[MessageDocument], handlers=dict(HANDLERS),
                periodic=[Periodic(DELIVERY_INTERVAL, delivery.tick)])
