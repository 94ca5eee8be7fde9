from services.common.wiring import Wiring
from services.tables.api import router

wiring = Wiring(router=router)
