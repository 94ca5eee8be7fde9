"""The tables nameko service: its API over HTTP, its outbox relayed to Kafka, and the hourly
retention run (wiring.py)."""

from eventlet import tpool

from services.common.nameko_ext import HttpService, Platform
from services.tables import sortition
from services.tables.wiring import wiring

# A selection is CPU-bound for seconds: in a native thread the service keeps answering.
sortition.offload = tpool.execute


class TablesService(HttpService):
    name = "tables"
    wiring = wiring
    platform = Platform(wiring)
