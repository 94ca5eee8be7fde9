"""The projects nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.projects.api import router


class ProjectsService(HttpService):
    name = "projects"
    router = router
    platform = Platform()
