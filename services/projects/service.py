"""The projects nameko service."""

from services.common.nameko_ext import HttpService, Platform
from services.projects.wiring import wiring


class ProjectsService(HttpService):
    name = "projects"
    wiring = wiring
    platform = Platform(documents=wiring.documents)
