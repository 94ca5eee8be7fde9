from services.common.wiring import Wiring
from services.notifications.api import router

wiring = Wiring(router=router)
