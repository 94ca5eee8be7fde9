"""The tables nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.tables.api import router


class TablesService(HttpService):
    name = "tables"
    router = router
    platform = Platform()
