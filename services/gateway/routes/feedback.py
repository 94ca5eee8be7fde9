"""Feedback through the gateway: the public API (with the contact registry composed in),
the staff API, the staff pages, and the per-client limit on anonymous submissions."""

import re
from typing import Annotated, Any

import anyio
import structlog
from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from services.common.actor import Actor
from services.common.httpapi import error_body
from services.common.vocabulary import LANGUAGE_PATTERN
from services.gateway.auth import require
from services.gateway.clients import Reply
from services.gateway.proxy import as_json, call, forward, page
from services.gateway.ratelimit import client_address, limiter

log = structlog.get_logger(__name__)
router = APIRouter(tags=["feedback"])
Staff = Annotated[Actor, Depends(require("staff", "coordinator"))]
Coordinator = Annotated[Actor, Depends(require("coordinator"))]
Admin = Annotated[Actor, Depends(require("admin"))]
StaffPage = Annotated[Actor, Depends(require("staff", "coordinator", page=True))]
AdminPage = Annotated[Actor, Depends(require("admin", page=True))]

FEEDBACK_EXAMPLE = {
    "text": "Liipolan puistoon toivotaan lisää penkkejä ja valaistusta.",
    "kind": "idea",
    "area": "itainen",
    "channel": "omalahti",
    "language": "fi",
    "contact": {"email": "asukas@example.fi", "language": "fi",
                "consents": {"answer": True}},
}


def submission_refused(request: Request) -> JSONResponse | None:
    """A 429 with Retry-After when this client sent too many anonymous submissions."""
    limit = limiter(request, "feedback_limiter", "KUULTU_FEEDBACK_RATE_LIMIT", "60/60")
    wait = limit.retry_after(client_address(request)) if limit else None
    if wait is None:
        return None
    log.warning("rate_limited", client=client_address(request), path=request.url.path)
    return JSONResponse(error_body("rate_limited", "Too many submissions from your address; "
                                   f"please retry in {wait} seconds."), 429,
                        headers={"Retry-After": str(wait)})


# -- submitting, with the contact registry composed in ------------------------------------

async def submit_with_contact(request: Request, payload: dict, actor: Actor | None = None) -> Reply:
    """Contact details go to the notifications contact registry, which returns a
    pseudonymous participant id; feedback keeps only that id. A participant id sent by a
    client is never trusted."""
    payload = {k: v for k, v in payload.items() if k != "participant_id"}
    contact = payload.pop("contact", None)
    if contact is None:
        return await call(request, "feedback", "POST", "/feedback", json=payload, actor=actor)
    if isinstance(contact, dict):
        language = payload.get("language")
        if isinstance(language, str) and re.match(LANGUAGE_PATTERN, language):
            contact = {"language": language, **contact}  # answered in the feedback's language
        registered = await call(request, "notifications", "POST", "/contacts", json=contact)
        if registered.status == 201:
            participant_id = registered.body["participant_id"]
            reply = await call(request, "feedback", "POST", "/feedback", actor=actor,
                               json={**payload, "participant_id": participant_id})
            if 400 <= reply.status < 500:  # refused for certain: nothing refers to the contact
                await call(request, "notifications", "DELETE", f"/contacts/{participant_id}")
            return reply
        if registered.status != 422:
            return registered
        reasons = {f"contact.{k}": v for k, v in (registered.body.get("fields") or {}).items()}
    else:
        reasons = {"contact": "must be an object: email and/or phone, language, "
                              "plain_language, consents"}
    # Every invalid field at once: the feedback's own reasons too.
    checked = await call(request, "feedback", "POST", "/feedback/validate", json=payload,
                         actor=actor)
    if checked.status == 422:
        reasons.update(checked.body.get("fields") or {})
    return Reply(422, error_body("validation_failed",
                                 "Some fields are invalid: " + ", ".join(sorted(reasons)),
                                 reasons))


# -- public API -------------------------------------------------------------------------

@router.post("/api/v1/feedback", status_code=201,
             responses={422: {"description": "A reason for each invalid field"},
                        429: {"description": "Too many submissions; retry after Retry-After"},
                        503: {"description": "Not stored; retry after Retry-After seconds"}})
async def give_feedback(request: Request,
                        payload: Annotated[dict[str, Any], Body(examples=[FEEDBACK_EXAMPLE])]):
    """Give feedback, an idea, an experience, a question, praise, a complaint or an
    initiative. A 201 means it is stored durably; keep the receipt code to follow it.
    Optional `contact` ({email?, phone?, language?, plain_language?, consents?}) lets the
    city answer you; it is kept only by the notifications service."""
    refused = submission_refused(request)
    if refused is not None:
        return refused
    return as_json(await submit_with_contact(request, payload))


@router.get("/api/v1/feedback/receipts/{code}")
async def follow_feedback(request: Request, code: str):
    """Follow feedback by its receipt code: status, the city's public answers and the
    history, without personal data."""
    return await forward(request, "feedback", "GET", f"/feedback/receipts/{code}")


# -- staff API ------------------------------------------------------------------------------

INBOX_FILTERS = ("status", "unit", "area", "kind", "channel", "overdue", "limit", "offset")


@router.get("/api/v1/staff/feedback", tags=["staff"])
async def staff_inbox(request: Request, actor: Staff, status: str | None = None,
                      unit: str | None = None, area: str | None = None,
                      kind: str | None = None, channel: str | None = None,
                      overdue: str | None = None, limit: str | None = None,
                      offset: str | None = None):
    """The feedback inbox, newest first. Filters (comma lists allowed): status, unit (or
    `unassigned`), area, kind, channel, overdue=true|false; paging with limit and offset.
    Staff see their own unit's and unassigned feedback; coordinators see all."""
    params = {k: v for k, v in request.query_params.items() if k in INBOX_FILTERS}
    return await forward(request, "feedback", "GET", "/feedback", params=params, actor=actor)


@router.post("/api/v1/staff/feedback", tags=["staff"], status_code=201)
async def enter_feedback(request: Request, actor: Staff,
                         payload: Annotated[dict[str, Any], Body(examples=[FEEDBACK_EXAMPLE])]):
    """Enter feedback on a resident's behalf (phone, walk-in): channel staff_entered unless
    another is given; `contact` as in the public API."""
    return as_json(await submit_with_contact(request, payload, actor))


@router.get("/api/v1/staff/feedback/answer-times", tags=["staff"])
async def answer_times(request: Request, actor: Staff):
    """Expected answer time (days from receipt) per unit, and the default for the rest."""
    return await forward(request, "feedback", "GET", "/answer-times", actor=actor)


@router.put("/api/v1/staff/feedback/answer-times/{unit}", tags=["staff"])
async def set_answer_time(request: Request, unit: str, actor: Coordinator,
                          payload: Annotated[dict[str, Any], Body(examples=[{"days": 10}])]):
    """Set a unit's expected answer time in days (coordinators)."""
    return await forward(request, "feedback", "PUT", f"/answer-times/{unit}", json=payload,
                         actor=actor)


@router.get("/api/v1/staff/feedback/{feedback_id}", tags=["staff"])
async def staff_detail(request: Request, feedback_id: str, actor: Staff):
    """One feedback with its text, answers and full history."""
    return await forward(request, "feedback", "GET", f"/feedback/{feedback_id}", actor=actor)


COMMAND_EXAMPLES = {
    "assign": {"unit": "urban-environment"},
    "answer": {"text": "Kiitos! Penkit lisätään keväällä.", "public": True},
    "link": {"project_id": "0b8f5c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"},
    "duplicate": {"duplicate_of": "6f1c1c3e-8a53-4d43-9a1b-0b3c2d1e4f5a"},
    "close": {},
}


async def run_command(request: Request, feedback_id: str, action: str, payload: dict,
                      actor: Actor) -> Reply:
    reply = await call(request, "feedback", "POST", f"/feedback/{feedback_id}/{action}",
                       json=payload, actor=actor)
    if action == "answer" and reply.status == 200 and reply.body.get("participant_id"):
        await hand_over_reply(request, reply.body, actor)
    return reply


async def hand_over_reply(request: Request, feedback: dict, actor: Actor) -> None:
    """The resident's message is queued by the notifications service from FeedbackAnswered,
    which carries no text: the text of the answer just given is handed over here."""
    answer = feedback["answers"][-1]
    for attempt in range(1, 4):
        handed = await call(request, "notifications", "PUT", f"/replies/{answer['id']}",
                            json={"text": answer["text"]}, actor=actor)
        if handed.status == 200:
            return
        if handed.status < 500:
            break
        await anyio.sleep(0.2 * attempt)
    log.error("reply_text_not_handed_over", feedback_id=feedback["id"], answer_id=answer["id"],
              status=handed.status)


def _command_route(action: str, summary: str):
    async def command(request: Request, feedback_id: str, actor: Staff,
                      payload: Annotated[dict[str, Any] | None,
                                         Body(examples=[COMMAND_EXAMPLES[action]])] = None):
        return as_json(await run_command(request, feedback_id, action, payload or {}, actor))

    command.__doc__ = summary
    router.post(f"/api/v1/staff/feedback/{{feedback_id}}/{action}", tags=["staff"],
                name=f"feedback_{action}")(command)


_command_route("assign", "Assign to a unit (triage); the first assignment starts the work.")
_command_route("answer", "Answer: `public` true shows the answer with the receipt code and on "
               "Open311; false sends it only to the resident (needs a contact).")
_command_route("link", "Link to a participation project.")
_command_route("duplicate", "Mark as a duplicate of another feedback, which closes it; the "
               "resident then sees the original's public answers.")
_command_route("close", "Close. A citizens' initiative must be answered publicly first.")


# -- Open311 API keys (administrators) ---------------------------------------------------

@router.post("/api/v1/admin/open311-keys", tags=["admin"], status_code=201)
async def create_open311_key(request: Request, actor: Admin,
                             payload: Annotated[dict[str, Any],
                                                Body(examples=[{"name": "Lahti e-feedback"}])]):
    """Issue an Open311 API key to a named client. The key is shown once."""
    return await forward(request, "feedback", "POST", "/open311/keys", json=payload,
                         actor=actor)


@router.get("/api/v1/admin/open311-keys", tags=["admin"])
async def list_open311_keys(request: Request, actor: Admin):
    return await forward(request, "feedback", "GET", "/open311/keys", actor=actor)


@router.delete("/api/v1/admin/open311-keys/{key_id}", tags=["admin"])
async def revoke_open311_key(request: Request, key_id: str, actor: Admin):
    return await forward(request, "feedback", "DELETE", f"/open311/keys/{key_id}", actor=actor)


# -- staff pages (thin: the same calls, rendered; forms carry the session's CSRF token) -----

pages = APIRouter(include_in_schema=False)


@pages.get("/staff/feedback", response_class=HTMLResponse)
async def inbox_page(request: Request, actor: StaffPage):
    params = {k: v for k, v in request.query_params.items() if k in INBOX_FILTERS and v}
    reply = await call(request, "feedback", "GET", "/feedback", params=params, actor=actor)
    return page(request, "feedback/inbox.html", status=reply.status, reply=reply.body,
                ok=reply.status == 200, filters=params)


async def _detail_page(request: Request, feedback_id: str, actor: Actor,
                       errors: dict | None = None, status: int = 200):
    reply = await call(request, "feedback", "GET", f"/feedback/{feedback_id}", actor=actor)
    return page(request, "feedback/detail.html", status=status if reply.status == 200 else
                reply.status, item=reply.body, ok=reply.status == 200, errors=errors)


@pages.get("/staff/feedback/{feedback_id}", response_class=HTMLResponse)
async def detail_page(request: Request, feedback_id: str, actor: StaffPage):
    return await _detail_page(request, feedback_id, actor)


FORM_FIELDS = {"assign": ("unit",), "answer": ("text", "public"), "link": ("project_id",),
               "duplicate": ("duplicate_of",), "close": ()}


@pages.post("/staff/feedback/{feedback_id}/{action}", response_class=HTMLResponse)
async def command_form(request: Request, feedback_id: str, action: str, actor: StaffPage):
    if action not in FORM_FIELDS:
        return await _detail_page(request, feedback_id, actor,
                                  {"message": f"Unknown action {action}."}, 404)
    form = await request.form()
    body = {name: form.get(name) for name in FORM_FIELDS[action] if name in form}
    if action == "answer":  # a checkbox: present means public
        body["public"] = form.get("public") == "true"
    reply = await run_command(request, feedback_id, action, body, actor)
    if reply.status == 200:
        return RedirectResponse(f"/staff/feedback/{feedback_id}", status_code=303)
    return await _detail_page(request, feedback_id, actor, reply.body, reply.status)


@pages.get("/staff/open311-keys", response_class=HTMLResponse)
async def keys_page(request: Request, actor: AdminPage):
    return await _keys_page(request, actor)


async def _keys_page(request: Request, actor: Actor, status: int = 200, **context):
    listing = await call(request, "feedback", "GET", "/open311/keys", actor=actor)
    return page(request, "feedback/open311_keys.html", status=status, reply=listing.body,
                ok=listing.status == 200, **context)


@pages.post("/staff/open311-keys", response_class=HTMLResponse)
async def create_key_form(request: Request, actor: AdminPage,
                          name: Annotated[str, Form()] = ""):
    created = await call(request, "feedback", "POST", "/open311/keys", json={"name": name},
                         actor=actor)
    if created.status == 201:
        return await _keys_page(request, actor, 201, created=created.body)
    return await _keys_page(request, actor, created.status, errors=created.body)


@pages.post("/staff/open311-keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_key_form(request: Request, key_id: str, actor: AdminPage):
    revoked = await call(request, "feedback", "DELETE", f"/open311/keys/{key_id}", actor=actor)
    if revoked.status == 200:
        return RedirectResponse("/staff/open311-keys", status_code=303)
    return await _keys_page(request, actor, revoked.status, errors=revoked.body)


router.include_router(pages)
