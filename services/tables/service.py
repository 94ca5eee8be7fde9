"""The tables nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.tables.wiring import wiring


class TablesService(HttpService):
    name = "tables"
    wiring = wiring
    platform = Platform(documents=wiring.documents)
