from services.common.wiring import Wiring
from services.evaluation.api import HANDLED_EVENTS, handle_event, router

wiring = Wiring(router=router, handlers={name: handle_event for name in HANDLED_EVENTS})
