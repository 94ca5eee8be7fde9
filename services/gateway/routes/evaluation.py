"""Evaluation API."""

from fastapi import APIRouter, Request

from services.gateway.proxy import forward

router = APIRouter(tags=["evaluation"])


@router.get("/api/v1/evaluation/summary")
async def evaluation_summary(request: Request, month: str | None = None, year: str | None = None,
                             area: str | None = None, unit: str | None = None):
    """Counts derived from the event flow, optionally for one month, year, area or unit."""
    params = {k: v for k, v in
              {"month": month, "year": year, "area": area, "unit": unit}.items() if v}
    return await forward(request, "evaluation", "GET", "/summary", params=params)
