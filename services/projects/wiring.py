from services.common.wiring import Wiring
from services.projects.api import router

wiring = Wiring(router=router)
