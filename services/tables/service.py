"""The tables nameko service: its API over HTTP, its outbox relayed to Kafka, and the hourly
retention run."""

from eventlet import tpool
from nameko.timer import timer

from services.common.nameko_ext import HttpService, Platform
from services.tables import retention, sortition
from services.tables.wiring import PURGE_INTERVAL, wiring

# A selection is CPU-bound for seconds: in a native thread the service keeps answering.
sortition.offload = tpool.execute


class TablesService(HttpService):
    name = "tables"
    wiring = wiring
    platform = Platform(documents=wiring.documents)

    @timer(interval=PURGE_INTERVAL)
    def purge_expired_applications(self):
        retention.purge(self.platform)
