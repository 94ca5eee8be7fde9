"""The resident-facing pages: server-rendered, working without JavaScript."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from services.gateway.proxy import call, page
from services.gateway.routes.feedback import submission_refused, submit_with_contact

router = APIRouter(include_in_schema=False)


async def _summary(request: Request):
    reply = await call(request, "evaluation", "GET", "/summary")
    return reply.body if reply.status == 200 else None


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request):
    return page(request, "landing.html", summary=await _summary(request))


@router.post("/feedback", response_class=HTMLResponse)
async def feedback_form(request: Request, text: Annotated[str, Form()] = "",
                        kind: Annotated[str, Form()] = "", area: Annotated[str, Form()] = "",
                        language: Annotated[str, Form()] = "fi",
                        email: Annotated[str, Form()] = ""):
    """The same submission as the API, rate-limited alike; an e-mail address (optional) goes
    to the contact registry so the answer can be sent."""
    refused = submission_refused(request)
    if refused is not None:
        return page(request, "landing.html", status=429, errors=json.loads(refused.body),
                    summary=await _summary(request))
    payload = {"text": text, "kind": kind or None, "area": area or None,
               "channel": "omalahti", "language": language}
    if email.strip():
        payload["contact"] = {"email": email.strip(), "consents": {"answer": True}}
    reply = await submit_with_contact(request, payload)
    if reply.status == 201:
        return page(request, "receipt.html", status=201, receipt=reply.body)
    return page(request, "landing.html", status=reply.status, errors=reply.body, form=payload,
                summary=await _summary(request))


@router.get("/feedback/receipt", response_class=HTMLResponse)
async def receipt_page(request: Request, code: str = ""):
    reply = await call(request, "feedback", "GET", f"/feedback/receipts/{code.strip()}")
    return page(request, "status.html", status=reply.status, reply=reply.body,
                found=reply.status == 200, code=code)
