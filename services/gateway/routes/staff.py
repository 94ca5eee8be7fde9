"""The staff dashboard: the entry point of the staff user interface."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.common.actor import Actor
from services.gateway.auth import require
from services.gateway.proxy import page

router = APIRouter(include_in_schema=False)


@router.get("/staff", response_class=HTMLResponse)
async def dashboard(request: Request,
                    actor: Annotated[Actor, Depends(require(page=True))]):
    return page(request, "staff/dashboard.html")
