"""The notifications nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.notifications.api import router


class NotificationsService(HttpService):
    name = "notifications"
    router = router
    platform = Platform()
