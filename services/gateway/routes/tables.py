"""Partnership tables and influence groups through the gateway: the public API (applying with
the contact registry composed in), the coordinators' API, and the pages. Rules live in the
tables service; this module composes calls and turns HTML forms into the service's JSON."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.common.actor import Actor
from services.common.httpapi import error_body
from services.common.vocabulary import AREAS
from services.gateway.auth import require
from services.gateway.clients import Reply
from services.gateway.proxy import as_json, call, forward, page
from services.gateway.ratelimit import client_address, limiter

router = APIRouter(tags=["tables"])
pages = APIRouter(include_in_schema=False)
Coordinator = Annotated[Actor, Depends(require("coordinator"))]
Admin = Annotated[Actor, Depends(require("admin"))]
CoordinatorPage = Annotated[Actor, Depends(require("coordinator", page=True))]
Payload = Annotated[dict[str, Any], Body()]

APPLICATION_EXAMPLE = {
    "body_id": "table-itainen", "name": "Aino Asukas", "date_of_birth": "1990-04-12",
    "area": "itainen", "represents": "association", "organisation": "Liipolan asukasyhdistys",
    "motivation": "Haluan kehittää Liipolan puistoja yhdessä naapurien kanssa.",
    "language": "fi", "gender": "woman", "public_listing": True,
    "contact": {"email": "aino@example.fi", "language": "fi", "consents": {"decision": True}},
}
CALL_EXAMPLE = {"title": "Kumppanuuspöydät 2027-2028",
                "body_ids": ["table-keskusta", "table-itainen", "table-etelainen",
                             "table-pohjoinen"],
                "opens_on": "2026-10-01", "closes_on": "2026-11-15", "term_start": "2027-01-01"}
SELECTION_EXAMPLE = {"body_id": "table-itainen", "method": "maximin", "seed": 2026,
                     "quotas": {"age_band": {"13-17": {"min": 2, "max": 4}}}}


def _seg(value: str) -> str:
    """A path segment for the service: never lets a client reach another route."""
    return quote(value, safe="")


def _refused_by_rate_limit(request: Request) -> Reply | None:
    limit = limiter(request, "tables_limiter", "KUULTU_TABLES_RATE_LIMIT", "60/60")
    wait = limit.retry_after(client_address(request)) if limit else None
    if wait is None:
        return None
    return Reply(429, error_body("rate_limited", "Too many applications from your address; "
                                 f"please retry in {wait} seconds."), {"Retry-After": str(wait)})


# -- composing an application: tables checks it, notifications keeps the contact ------------
async def submit_application(request: Request, call_id: str, payload: dict) -> Reply:
    """The application is checked first (nothing stored), so refused applicants leave no
    contact details behind; then the contact goes to the notifications registry and tables
    gets only the pseudonymous participant id (for the decision message)."""
    if not isinstance(payload, dict):
        return Reply(422, error_body("validation_failed", "The body must be a JSON object."))
    if "participant_id" in payload:
        return Reply(422, error_body("validation_failed", "The request is invalid.", {
            "participant_id": "is set by the platform; give contact details instead"}))
    payload = dict(payload)
    contact = payload.pop("contact", None)
    path = f"/calls/{_seg(call_id)}/applications"
    checked = await call(request, "tables", "POST", f"{path}/validate", json=payload)
    if checked.status != 200:
        return checked
    if contact is None:
        return await call(request, "tables", "POST", path, json=payload)
    if not isinstance(contact, dict):
        return Reply(422, error_body("validation_failed", "The request is invalid.", {
            "contact": "must be an object: email and/or phone, language, consents"}))
    contact = {"language": payload.get("language", "fi"), "consents": {"decision": True},
               **contact}
    registered = await call(request, "notifications", "POST", "/contacts", json=contact)
    if registered.status != 201:
        if registered.status == 422:
            fields = {f"contact.{k}": v for k, v in (registered.body.get("fields") or {}).items()}
            return Reply(422, error_body("validation_failed", "Some fields are invalid: "
                                         + ", ".join(sorted(fields)), fields))
        return registered
    participant_id = registered.body["participant_id"]
    reply = await call(request, "tables", "POST", path,
                       json={**payload, "participant_id": participant_id})
    if 400 <= reply.status < 500:  # refused for certain: nothing refers to the contact
        await call(request, "notifications", "DELETE", f"/contacts/{participant_id}")
    return reply


async def withdraw_application(request: Request, application_id: str, payload: dict) -> Reply:
    """Withdrawn applications keep no personal data; the contact registered for the
    decision message is erased too."""
    reply = await call(request, "tables", "POST",
                       f"/applications/{_seg(application_id)}/withdraw", json=payload)
    if reply.status == 200 and isinstance(reply.body, dict):
        participant_id = reply.body.pop("participant_id", None)
        if participant_id:
            await call(request, "notifications", "DELETE", f"/contacts/{participant_id}")
    return reply


# -- public API -------------------------------------------------------------------------
@router.get("/api/v1/bodies")
async def list_bodies(request: Request, kind: str | None = None):
    """The partnership tables and other influence groups, with their seats, term length,
    age limits and eligible areas. `kind` filters, e.g. partnership_table."""
    return await forward(request, "tables", "GET", "/bodies",
                         params={"kind": kind} if kind else None)


@router.get("/api/v1/bodies/{body_id}")
async def get_body(request: Request, body_id: str):
    """One body: its rules, the current term (members named only with their consent) and its
    open calls."""
    return await forward(request, "tables", "GET", f"/bodies/{_seg(body_id)}")


@router.get("/api/v1/bodies/{body_id}/meetings")
async def list_meetings(request: Request, body_id: str):
    """A body's meetings with attendance counts."""
    return await forward(request, "tables", "GET", f"/bodies/{_seg(body_id)}/meetings")


@router.get("/api/v1/calls")
async def list_calls(request: Request, status: str | None = None):
    """Calls for applications; `status` is open, upcoming, closed or all (default)."""
    return await forward(request, "tables", "GET", "/calls",
                         params={"status": status} if status else None)


@router.get("/api/v1/calls/{call_id}")
async def get_call(request: Request, call_id: str):
    """One call: its dates, the bodies it fills and each body's term."""
    return await forward(request, "tables", "GET", f"/calls/{_seg(call_id)}")


@router.post("/api/v1/calls/{call_id}/applications", status_code=201, responses={
    404: {"description": "No such call"},
    409: {"description": "call_closed (not open) or duplicate_application"},
    422: {"description": "validation_failed (a reason per field) or not_eligible (a reason "
                         "per rule: age on the closing date, area, body, representation)"},
    429: {"description": "Too many applications; retry after Retry-After"},
    503: {"description": "Not stored; retry after Retry-After seconds"}})
async def apply(request: Request, call_id: str,
                payload: Annotated[dict[str, Any], Body(examples=[APPLICATION_EXAMPLE])]):
    """Apply to a body through an open call. Keep the `withdrawal_code` of the answer: with it
    the application can be withdrawn while the call is open. Optional `contact` ({email?,
    phone?, language?, consents?}) is kept only by the notifications service, to tell you the
    decision; events carry only bands and categories."""
    refused = _refused_by_rate_limit(request)
    if refused is not None:
        return as_json(refused)
    return as_json(await submit_application(request, call_id, payload))


@router.post("/api/v1/applications/{application_id}/withdraw")
async def withdraw(request: Request, application_id: str, payload: Payload):
    """Withdraw an application while its call is open: `{"withdrawal_code": "XXXX-XXXX-XXXX"}`.
    Its personal data is removed at once."""
    return as_json(await withdraw_application(request, application_id, payload))


@router.get("/api/v1/statements")
async def list_statements(request: Request, body_id: str | None = None):
    """Statements and proposals of the tables to the city, with the answers."""
    return await forward(request, "tables", "GET", "/statements",
                         params={"body_id": body_id} if body_id else None)


@router.get("/api/v1/statements/{statement_id}")
async def get_statement(request: Request, statement_id: str):
    return await forward(request, "tables", "GET", f"/statements/{_seg(statement_id)}")


# -- coordinators' API ----------------------------------------------------------------------
STAFF = "/api/v1/staff/tables"


@router.post(f"{STAFF}/bodies", tags=["staff"], status_code=201)
async def create_body(request: Request, actor: Coordinator, payload: Payload):
    """A new influence group with its own rules (id, kind, name, seats, term_months,
    min_age, max_age, eligible_areas, represents, quota_features)."""
    return await forward(request, "tables", "POST", "/staff/bodies", json=payload, actor=actor)


@router.put(f"{STAFF}/bodies/{{body_id}}", tags=["staff"])
async def update_body(request: Request, body_id: str, actor: Coordinator, payload: Payload):
    """Change a body's rules (the fields given replace the current ones)."""
    return await forward(request, "tables", "PUT", f"/staff/bodies/{_seg(body_id)}",
                         json=payload, actor=actor)


@router.get(f"{STAFF}/calls", tags=["staff"])
async def staff_calls(request: Request, actor: Coordinator):
    """Every call with its application counts and selection status per body."""
    return await forward(request, "tables", "GET", "/staff/calls", actor=actor)


@router.post(f"{STAFF}/calls", tags=["staff"], status_code=201)
async def create_call(request: Request, actor: Coordinator,
                      payload: Annotated[dict[str, Any], Body(examples=[CALL_EXAMPLE])]):
    """Open a call for applications (title, body_ids, opens_on, closes_on, term_start,
    optional term_end and description)."""
    return await forward(request, "tables", "POST", "/staff/calls", json=payload, actor=actor)


@router.get(f"{STAFF}/calls/{{call_id}}", tags=["staff"])
async def staff_call(request: Request, call_id: str, actor: Coordinator):
    return await forward(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}", actor=actor)


@router.post(f"{STAFF}/calls/{{call_id}}/close", tags=["staff"])
async def close_call(request: Request, call_id: str, actor: Coordinator):
    """Close a call before its closing date (no more applications or withdrawals)."""
    return await forward(request, "tables", "POST", f"/staff/calls/{_seg(call_id)}/close",
                         actor=actor)


@router.get(f"{STAFF}/calls/{{call_id}}/applications", tags=["staff"])
async def staff_applications(request: Request, call_id: str, actor: Coordinator,
                             body_id: str | None = None, status: str | None = None):
    """The applications of a call with the applicants' details (coordinators only)."""
    params = {k: v for k, v in (("body_id", body_id), ("status", status)) if v}
    return await forward(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}/applications",
                         params=params, actor=actor)


@router.get(f"{STAFF}/applications/{{application_id}}", tags=["staff"])
async def staff_application(request: Request, application_id: str, actor: Coordinator):
    return await forward(request, "tables", "GET",
                         f"/staff/applications/{_seg(application_id)}", actor=actor)


@router.post(f"{STAFF}/calls/{{call_id}}/selections", tags=["staff"], status_code=201)
async def propose_selection(request: Request, call_id: str, actor: Coordinator,
                            payload: Annotated[dict[str, Any],
                                               Body(examples=[SELECTION_EXAMPLE])]):
    """A selection proposal for one body: method maximin or nash (stratified random
    selection with quotas; `seed` makes it reproducible) or manual (`selected`, optional
    `reserve`). Optional `features` and `quotas` override the body's defaults. The answer has
    the report: quota fulfilment and each applicant's probability of selection."""
    return await forward(request, "tables", "POST", f"/staff/calls/{_seg(call_id)}/selections",
                         json=payload, actor=actor)


@router.get(f"{STAFF}/calls/{{call_id}}/selections/{{body_id}}", tags=["staff"])
async def get_selection(request: Request, call_id: str, body_id: str, actor: Coordinator):
    return await forward(request, "tables", "GET",
                         f"/staff/calls/{_seg(call_id)}/selections/{_seg(body_id)}", actor=actor)


@router.post(f"{STAFF}/calls/{{call_id}}/selections/{{body_id}}/decision", tags=["staff"])
async def decide_selection(request: Request, call_id: str, body_id: str, actor: Coordinator,
                           payload: Payload):
    """Record the city board's decision (`decision_date`, `decision_reference`): the
    proposal becomes the members, the rest the ordered reserve list. Publishes
    MembersSelected and an ApplicationDecided per application."""
    return await forward(request, "tables", "POST",
                         f"/staff/calls/{_seg(call_id)}/selections/{_seg(body_id)}/decision",
                         json=payload, actor=actor)


@router.get(f"{STAFF}/bodies/{{body_id}}/members", tags=["staff"])
async def staff_members(request: Request, body_id: str, actor: Coordinator):
    """The current term's members and reserve list, with names."""
    return await forward(request, "tables", "GET", f"/staff/bodies/{_seg(body_id)}/members",
                         actor=actor)


@router.post(f"{STAFF}/bodies/{{body_id}}/members/{{application_id}}/resign", tags=["staff"])
async def resign_member(request: Request, body_id: str, application_id: str,
                        actor: Coordinator, payload: Payload):
    """A member resigns (`left_on`); the first reserve who keeps the quotas met is chosen
    (`replace: false` leaves the seat empty)."""
    return await forward(request, "tables", "POST",
                         f"/staff/bodies/{_seg(body_id)}/members/{_seg(application_id)}/resign",
                         json=payload, actor=actor)


@router.post(f"{STAFF}/bodies/{{body_id}}/statements", tags=["staff"], status_code=201)
async def submit_statement(request: Request, body_id: str, actor: Coordinator,
                           payload: Payload):
    """Record a statement, opinion or proposal the body gave to the city board or a
    committee (kind, addressee, title, text, areas, submitted_on)."""
    return await forward(request, "tables", "POST", f"/staff/bodies/{_seg(body_id)}/statements",
                         json=payload, actor=actor)


@router.post(f"{STAFF}/statements/{{statement_id}}/answer", tags=["staff"])
async def answer_statement(request: Request, statement_id: str, actor: Coordinator,
                           payload: Payload):
    """Record the city's answer (answered_by, answer_summary, answered_on); the members are
    told through the notifications service."""
    return await forward(request, "tables", "POST",
                         f"/staff/statements/{_seg(statement_id)}/answer", json=payload,
                         actor=actor)


@router.post(f"{STAFF}/bodies/{{body_id}}/meetings", tags=["staff"], status_code=201)
async def record_meeting(request: Request, body_id: str, actor: Coordinator, payload: Payload):
    """Record a meeting: held_on, members_present, others_present, topic."""
    return await forward(request, "tables", "POST", f"/staff/bodies/{_seg(body_id)}/meetings",
                         json=payload, actor=actor)


@router.post(f"{STAFF}/retention/purge", tags=["admin"])
async def purge(request: Request, actor: Admin, payload: Payload):
    """Run the retention now (it runs hourly): `{"dry_run": true}` only counts."""
    return await forward(request, "tables", "POST", "/staff/retention/purge", json=payload,
                         actor=actor)


# -- public pages -----------------------------------------------------------------------------
def _form_text(form, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


@pages.get("/tables", response_class=HTMLResponse)
async def tables_page(request: Request):
    bodies = await call(request, "tables", "GET", "/bodies")
    calls = await call(request, "tables", "GET", "/calls", params={"status": "open"})
    ok = bodies.status == 200 and calls.status == 200
    return page(request, "tables/index.html", status=200 if ok else 503, ok=ok,
                bodies=bodies.body.get("bodies", []) if ok else [],
                calls=calls.body.get("calls", []) if ok else [])


@pages.get("/tables/bodies/{body_id}", response_class=HTMLResponse)
async def body_page(request: Request, body_id: str):
    body = await call(request, "tables", "GET", f"/bodies/{_seg(body_id)}")
    if body.status != 200:
        return page(request, "tables/message.html", status=body.status, reply=body.body)
    statements = await call(request, "tables", "GET", "/statements", params={"body_id": body_id})
    meetings = await call(request, "tables", "GET", f"/bodies/{_seg(body_id)}/meetings")
    return page(request, "tables/body.html", body=body.body,
                statements=statements.body.get("statements", []) if statements.status == 200
                else [], meetings=meetings.body.get("meetings", []) if meetings.status == 200
                else [])


async def _apply_page(request: Request, call_id: str, status: int = 200, **context):
    found = await call(request, "tables", "GET", f"/calls/{_seg(call_id)}")
    if found.status != 200:
        return page(request, "tables/message.html", status=found.status, reply=found.body)
    return page(request, "tables/apply.html", status=status, call=found.body, areas=AREAS,
                **context)


@pages.get("/tables/calls/{call_id}", response_class=HTMLResponse)
async def apply_page(request: Request, call_id: str):
    return await _apply_page(request, call_id, form={})


@pages.post("/tables/calls/{call_id}", response_class=HTMLResponse)
async def apply_form(request: Request, call_id: str):
    form = await request.form()
    payload = {name: _form_text(form, name) for name in (
        "body_id", "name", "date_of_birth", "area", "represents", "organisation", "motivation",
        "language", "gender")}
    payload = {k: v for k, v in payload.items() if v is not None}
    payload["public_listing"] = form.get("public_listing") == "yes"
    contact = {k: _form_text(form, k) for k in ("email", "phone")}
    if any(contact.values()):
        payload["contact"] = {k: v for k, v in contact.items() if v}
    reply = _refused_by_rate_limit(request) or await submit_application(request, call_id, payload)
    if reply.status == 201:
        return page(request, "tables/applied.html", status=201, application=reply.body)
    return await _apply_page(request, call_id, status=reply.status, errors=reply.body,
                             form={**payload, **contact})


@pages.get("/tables/withdraw", response_class=HTMLResponse)
async def withdraw_page(request: Request, application: str = ""):
    return page(request, "tables/withdraw.html", application_id=application)


@pages.post("/tables/withdraw", response_class=HTMLResponse)
async def withdraw_form(request: Request):
    form = await request.form()
    application_id = _form_text(form, "application_id") or "-"
    reply = await withdraw_application(request, application_id,
                                       {"withdrawal_code": _form_text(form, "withdrawal_code")})
    return page(request, "tables/withdraw.html", status=reply.status, application_id=
                application_id, done=reply.status == 200, errors=None if reply.status == 200
                else reply.body)


# -- coordinators' pages --------------------------------------------------------------------
def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)  # post/redirect/get


async def _staff_calls_page(request: Request, actor: Actor, status: int = 200, **context):
    calls = await call(request, "tables", "GET", "/staff/calls", actor=actor)
    bodies = await call(request, "tables", "GET", "/bodies")
    return page(request, "tables/staff_calls.html", status=status if calls.status == 200
                else calls.status, reply=calls.body,
                bodies=bodies.body.get("bodies", []) if bodies.status == 200 else [], **context)


@pages.get("/staff/tables", response_class=HTMLResponse)
async def staff_calls_page(request: Request, actor: CoordinatorPage):
    return await _staff_calls_page(request, actor, form={})


@pages.post("/staff/tables/calls", response_class=HTMLResponse)
async def create_call_form(request: Request, actor: CoordinatorPage):
    form = await request.form()
    payload = {k: _form_text(form, k) for k in ("title", "description", "opens_on", "closes_on",
                                                "term_start", "term_end")}
    payload = {k: v for k, v in payload.items() if v is not None}
    payload["body_ids"] = form.getlist("body_ids")
    reply = await call(request, "tables", "POST", "/staff/calls", json=payload, actor=actor)
    if reply.status == 201:
        return _back(f"/staff/tables/calls/{_seg(reply.body['id'])}")
    return await _staff_calls_page(request, actor, status=reply.status, errors=reply.body,
                                   form=payload)


async def _staff_call_page(request: Request, call_id: str, actor: Actor, status: int = 200,
                           **context):
    found = await call(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}", actor=actor)
    if found.status != 200:
        return page(request, "tables/message.html", status=found.status, reply=found.body)
    listed = await call(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}/applications",
                        params={"status": "all"}, actor=actor)
    return page(request, "tables/staff_call.html", status=status, call=found.body,
                applications=listed.body.get("applications", []) if listed.status == 200 else [],
                **context)


@pages.get("/staff/tables/calls/{call_id}", response_class=HTMLResponse)
async def staff_call_page(request: Request, call_id: str, actor: CoordinatorPage):
    return await _staff_call_page(request, call_id, actor)


@pages.post("/staff/tables/calls/{call_id}/close", response_class=HTMLResponse)
async def close_call_form(request: Request, call_id: str, actor: CoordinatorPage):
    reply = await call(request, "tables", "POST", f"/staff/calls/{_seg(call_id)}/close",
                       actor=actor)
    if reply.status == 200:
        return _back(f"/staff/tables/calls/{_seg(call_id)}")
    return await _staff_call_page(request, call_id, actor, status=reply.status, errors=reply.body)


async def _selection_page(request: Request, call_id: str, body_id: str, actor: Actor,
                          status: int = 200, **context):
    found = await call(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}", actor=actor)
    if found.status != 200:
        return page(request, "tables/message.html", status=found.status, reply=found.body)
    proposal = await call(request, "tables", "GET",
                          f"/staff/calls/{_seg(call_id)}/selections/{_seg(body_id)}", actor=actor)
    pool = await call(request, "tables", "GET", f"/staff/calls/{_seg(call_id)}/applications",
                      params={"body_id": body_id}, actor=actor)
    return page(request, "tables/staff_selection.html", status=status, call=found.body,
                body_id=body_id, proposal=proposal.body if proposal.status == 200 else None,
                pool=pool.body.get("applications", []) if pool.status == 200 else [], **context)


@pages.get("/staff/tables/calls/{call_id}/selection/{body_id}", response_class=HTMLResponse)
async def selection_page(request: Request, call_id: str, body_id: str, actor: CoordinatorPage):
    return await _selection_page(request, call_id, body_id, actor)


@pages.post("/staff/tables/calls/{call_id}/selection/{body_id}", response_class=HTMLResponse)
async def propose_form(request: Request, call_id: str, body_id: str, actor: CoordinatorPage):
    form = await request.form()
    payload: dict[str, Any] = {"body_id": body_id, "method": _form_text(form, "method")}
    seed = _form_text(form, "seed")
    if seed is not None:
        payload["seed"] = int(seed) if seed.isdigit() else seed  # the service says what's wrong
    if payload["method"] == "manual":
        payload["selected"] = form.getlist("selected")
    reply = await call(request, "tables", "POST", f"/staff/calls/{_seg(call_id)}/selections",
                       json=payload, actor=actor)
    if reply.status == 201:
        return _back(f"/staff/tables/calls/{_seg(call_id)}/selection/{_seg(body_id)}")
    return await _selection_page(request, call_id, body_id, actor, status=reply.status,
                                 errors=reply.body)


@pages.post("/staff/tables/calls/{call_id}/selection/{body_id}/decision",
            response_class=HTMLResponse)
async def decide_form(request: Request, call_id: str, body_id: str, actor: CoordinatorPage):
    form = await request.form()
    payload = {"decision_date": _form_text(form, "decision_date"),
               "decision_reference": _form_text(form, "decision_reference")}
    reply = await call(request, "tables", "POST",
                       f"/staff/calls/{_seg(call_id)}/selections/{_seg(body_id)}/decision",
                       json=payload, actor=actor)
    if reply.status == 200:
        return _back(f"/staff/tables/bodies/{_seg(body_id)}")
    return await _selection_page(request, call_id, body_id, actor, status=reply.status,
                                 errors=reply.body)


async def _staff_body_page(request: Request, body_id: str, actor: Actor, status: int = 200,
                           **context):
    body = await call(request, "tables", "GET", f"/bodies/{_seg(body_id)}")
    if body.status != 200:
        return page(request, "tables/message.html", status=body.status, reply=body.body)
    members = await call(request, "tables", "GET", f"/staff/bodies/{_seg(body_id)}/members",
                         actor=actor)
    statements = await call(request, "tables", "GET", "/statements", params={"body_id": body_id})
    meetings = await call(request, "tables", "GET", f"/bodies/{_seg(body_id)}/meetings")
    return page(request, "tables/staff_body.html", status=status, body=body.body,
                members=members.body if members.status == 200 else None,
                statements=statements.body.get("statements", []) if statements.status == 200
                else [], meetings=meetings.body.get("meetings", []) if meetings.status == 200
                else [], **context)


@pages.get("/staff/tables/bodies/{body_id}", response_class=HTMLResponse)
async def staff_body_page(request: Request, body_id: str, actor: CoordinatorPage):
    return await _staff_body_page(request, body_id, actor)


async def _body_command(request: Request, body_id: str, actor: Actor, path: str,
                        payload: dict) -> HTMLResponse | RedirectResponse:
    reply = await call(request, "tables", "POST", path, json=payload, actor=actor)
    if reply.status in (200, 201):
        return _back(f"/staff/tables/bodies/{_seg(body_id)}")
    return await _staff_body_page(request, body_id, actor, status=reply.status,
                                  errors=reply.body)


@pages.post("/staff/tables/bodies/{body_id}/members/{application_id}/resign",
            response_class=HTMLResponse)
async def resign_form(request: Request, body_id: str, application_id: str,
                      actor: CoordinatorPage):
    form = await request.form()
    payload: dict[str, Any] = {"replace": form.get("replace") != "no"}
    if _form_text(form, "left_on"):
        payload["left_on"] = _form_text(form, "left_on")
    return await _body_command(
        request, body_id, actor,
        f"/staff/bodies/{_seg(body_id)}/members/{_seg(application_id)}/resign", payload)


@pages.post("/staff/tables/bodies/{body_id}/statements", response_class=HTMLResponse)
async def statement_form(request: Request, body_id: str, actor: CoordinatorPage):
    form = await request.form()
    payload = {k: _form_text(form, k) for k in ("kind", "addressee", "title", "text",
                                                "submitted_on")}
    payload = {k: v for k, v in payload.items() if v is not None}
    payload["areas"] = form.getlist("areas")
    return await _body_command(request, body_id, actor,
                               f"/staff/bodies/{_seg(body_id)}/statements", payload)


@pages.post("/staff/tables/bodies/{body_id}/statements/{statement_id}/answer",
            response_class=HTMLResponse)
async def answer_form(request: Request, body_id: str, statement_id: str,
                      actor: CoordinatorPage):
    form = await request.form()
    payload = {k: _form_text(form, k) for k in ("answered_by", "answer_summary", "answered_on")}
    payload = {k: v for k, v in payload.items() if v is not None}
    return await _body_command(request, body_id, actor,
                               f"/staff/statements/{_seg(statement_id)}/answer", payload)


@pages.post("/staff/tables/bodies/{body_id}/meetings", response_class=HTMLResponse)
async def meeting_form(request: Request, body_id: str, actor: CoordinatorPage):
    form = await request.form()
    payload: dict[str, Any] = {}
    for name in ("members_present", "others_present"):
        value = _form_text(form, name)
        if value is not None:
            payload[name] = int(value) if value.isdigit() else value
    for name in ("held_on", "topic"):
        if _form_text(form, name):
            payload[name] = _form_text(form, name)
    return await _body_command(request, body_id, actor,
                               f"/staff/bodies/{_seg(body_id)}/meetings", payload)


router.include_router(pages)
