"""The notifications nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.notifications.wiring import wiring


class NotificationsService(HttpService):
    name = "notifications"
    wiring = wiring
    platform = Platform(documents=wiring.documents)
