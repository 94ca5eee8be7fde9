"""Public feedback API."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from services.gateway.proxy import forward

router = APIRouter(tags=["feedback"])

FEEDBACK_EXAMPLE = {
    "text": "Liipolan puistoon toivotaan lisää penkkejä ja valaistusta.",
    "kind": "idea",
    "area": "itainen",
    "channel": "omalahti",
    "language": "fi",
}


@router.post("/api/v1/feedback", status_code=201,
             responses={422: {"description": "A reason for each invalid field"},
                        503: {"description": "Not stored; retry after Retry-After seconds"}})
async def give_feedback(request: Request,
                        payload: Annotated[dict[str, Any], Body(examples=[FEEDBACK_EXAMPLE])]):
    """Give feedback, an idea, an experience, a question, praise, a complaint or an
    initiative. A 201 means it is stored durably; keep the receipt code to follow it."""
    return await forward(request, "feedback", "POST", "/feedback", json=payload)


@router.get("/api/v1/feedback/receipts/{code}")
async def follow_feedback(request: Request, code: str):
    """Follow feedback by its receipt code: status and history, without personal data."""
    return await forward(request, "feedback", "GET", f"/feedback/receipts/{code}")
