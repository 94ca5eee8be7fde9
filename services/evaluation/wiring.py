from services.common.wiring import Periodic, Wiring
from services.evaluation import indicator_set
from services.evaluation.api import HANDLED_EVENTS, handle_event, refresh_gauges, router
from services.evaluation.documents import EvaluationDocument

# An indicator set that does not check out stops the service here, at start, with its reasons.
indicator_set.available()

# How often the Prometheus gauges are recomputed (the embedded runner's ticker; the nameko
# service has its own timer in service.py).
GAUGE_INTERVAL = 60.0

wiring = Wiring(router=router, documents=[EvaluationDocument],
                handlers={name: handle_event for name in HANDLED_EVENTS},
                periodic=[Periodic(GAUGE_INTERVAL, refresh_gauges)])
