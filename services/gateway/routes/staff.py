"""The staff dashboard: the entry point of the staff user interface. It shows what needs
attention (overdue feedback, projects waiting on a step) and the radar, each from the service
that owns it; a service that does not answer leaves its panel empty, not the page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.common.actor import Actor
from services.gateway.auth import require
from services.gateway.proxy import call, page

router = APIRouter(include_in_schema=False)


async def _body(request: Request, service: str, path: str, actor: Actor, **params):
    reply = await call(request, service, "GET", path, actor=actor, params=params)
    return reply.body if reply.status == 200 else None


@router.get("/staff", response_class=HTMLResponse)
async def dashboard(request: Request, actor: Annotated[Actor, Depends(require(page=True))]):
    overdue = None
    if actor.has("staff", "coordinator"):
        overdue = await _body(request, "feedback", "/feedback", actor, overdue="true", limit="5",
                              status="received,in_progress")
    waiting = None
    if actor.has("staff", "coordinator"):
        overdue_projects = await _body(request, "projects", "/projects", actor, overdue="true")
        if overdue_projects is not None:
            waiting = overdue_projects["projects"][:10]
    return page(request, "staff/dashboard.html", overdue=overdue, waiting=waiting)
