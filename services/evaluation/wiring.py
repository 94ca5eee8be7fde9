from services.common.wiring import Periodic, Wiring
from services.evaluation import indicator_set
from services.evaluation.api import HANDLED_EVENTS, handle_event, refresh_gauges, router
from services.evaluation.documents import EvaluationDocument

# An indicator set that does not check out stops the service here, at start, with its reasons.
indicator_set.available()

GAUGE_INTERVAL = 60.0  # seconds between recomputations of the Prometheus gauges

wiring = Wiring(router=router, documents=[EvaluationDocument],
                handlers={name: handle_event for name in HANDLED_EVENTS},
                periodic=[Periodic("gauges", GAUGE_INTERVAL, refresh_gauges)])
