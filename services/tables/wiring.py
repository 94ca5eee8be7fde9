from services.common.wiring import Periodic, Wiring
from services.tables import retention
from services.tables.api import router
from services.tables.repository import DOCUMENTS

PURGE_INTERVAL = 3600.0  # seconds

wiring = Wiring(router=router, documents=list(DOCUMENTS.values()),
                periodic=[Periodic("purge", PURGE_INTERVAL, retention.purge, eager=False)])
