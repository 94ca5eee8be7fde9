"""Projects: the public API and pages of published projects, and the staff API and pages that
run a project through the seven steps. Rules live in the projects service; this module only
composes calls and turns HTML forms into the service's JSON."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.common.actor import Actor
from services.common.httpapi import error_body
from services.gateway.auth import require
from services.gateway.clients import Reply
from services.gateway.proxy import as_json, call, forward, page

router = APIRouter(tags=["projects"])
pages = APIRouter(include_in_schema=False)
Staff = Annotated[Actor, Depends(require("staff", "coordinator"))]
StaffPage = Annotated[Actor, Depends(require("staff", "coordinator", page=True))]
Payload = Annotated[dict[str, Any], Body()]
# What a resident may give so that they are told the results and the impact; it goes to the
# notifications contact registry only, projects get the pseudonymous participant id.
CONTACT_FIELDS = ("email", "phone", "language", "plain_language", "consents")
RECORD_ROWS = 3  # blank rows offered for sessions in a form

PROJECT_EXAMPLE = {"title": "Kauppatorin uudistus", "unit": "urban-environment",
                   "topic": "city centre", "areas": ["keskusta"], "starts_on": "2026-01-15",
                   "ends_on": "2026-12-31", "due_dates": {"1": "2026-02-01", "2": "2026-03-01"}}
STEP1_EXAMPLE = {"goal": "Renew Kauppatori square with residents.",
                 "input_wanted": "Wishes for the square's use, greenery and traffic.",
                 "target_groups": ["residents of the centre", "market traders", "young people"]}


# -- composing a participation: contact first (notifications), then projects -----------------
async def _participate(request: Request, path: str, payload: dict) -> Reply:
    """Registers contact details at the notifications service when given, passes only the
    participant id to projects, and erases the contact again if projects refused."""
    if "participant_id" in payload:
        return Reply(422, error_body("validation_failed", "The request is invalid.", {
            "participant_id": "is set by the platform; give an e-mail address or phone "
                              "number to be told the results"}))
    contact = {k: payload.pop(k) for k in CONTACT_FIELDS if k in payload}
    participant_id = None
    if contact.get("email") or contact.get("phone"):
        contact.setdefault("consents", {"results": True, "impact": True})
        reply = await call(request, "notifications", "POST", "/contacts", json=contact)
        if reply.status != 201:
            return reply
        participant_id = reply.body["participant_id"]
        payload["participant_id"] = participant_id
    reply = await call(request, "projects", "POST", path, json=payload)
    if reply.status >= 300 and participant_id:
        await call(request, "notifications", "DELETE", f"/contacts/{participant_id}")
    if participant_id and reply.status < 300:
        reply.body = {**reply.body, "will_be_told": True}
    return reply


# -- public API -------------------------------------------------------------------------------
@router.get("/api/v1/projects")
async def list_projects(request: Request, area: str | None = None, phase: str | None = None):
    """Published participation projects (from invitation on), newest first, finished last."""
    params = {k: v for k, v in {"area": area, "phase": phase}.items() if v}
    return await forward(request, "projects", "GET", "/public/projects", params=params)


@router.get("/api/v1/projects/methods")
async def list_methods(request: Request):
    """The method catalogue: the participation model's four ways to participate and their
    methods, in Finnish and English."""
    return await forward(request, "projects", "GET", "/methods")


@router.get("/api/v1/projects/steps")
async def list_steps(request: Request):
    """The seven steps and the outputs each asks for."""
    return await forward(request, "projects", "GET", "/steps")


@router.get("/api/v1/projects/{project_id}")
async def get_project(request: Request, project_id: str):
    """A published project: its goal, how to take part, its results and its impact."""
    return await forward(request, "projects", "GET", f"/public/projects/{project_id}")


@router.post("/api/v1/projects/{project_id}/sessions/{session_id}/registrations",
             status_code=201,
             responses={200: {"description": "Registered already"},
                        409: {"description": "Closed, started or full"}})
async def register_to_session(request: Request, project_id: str, session_id: str,
                              payload: Annotated[dict[str, Any], Body(examples=[{
                                  "email": "asukas@example.fi", "language": "fi"}])] = None):
    """Register to a session. With an e-mail address or phone number you will be told the
    results and the impact; the contact is kept only by the notifications service."""
    path = f"/public/projects/{project_id}/sessions/{session_id}/registrations"
    return as_json(await _participate(request, path, dict(payload or {})))


@router.post("/api/v1/projects/{project_id}/satisfaction", status_code=201)
async def answer_satisfaction(request: Request, project_id: str,
                              payload: Annotated[dict[str, Any], Body(examples=[{"score": 4}])]):
    """Answer the question about the participation itself: a score from 1 (very
    dissatisfied) to 5 (very satisfied); contact details optional."""
    path = f"/public/projects/{project_id}/satisfaction"
    return as_json(await _participate(request, path, dict(payload)))


# -- staff API --------------------------------------------------------------------------------
@router.post("/api/v1/staff/projects", status_code=201, tags=["staff"])
async def create_project(request: Request, actor: Staff,
                         payload: Annotated[dict[str, Any], Body(examples=[PROJECT_EXAMPLE])]):
    """Start a project at step 1 (staff: in their own unit; coordinators: any unit)."""
    return await forward(request, "projects", "POST", "/projects", json=payload, actor=actor)


@router.get("/api/v1/staff/projects", tags=["staff"])
async def staff_projects(request: Request, actor: Staff, unit: str | None = None,
                         step: str | None = None, overdue: bool = False,
                         responsible: str | None = None):
    """Projects the staff member may see; `step=8` lists finished ones."""
    params = {k: v for k, v in {"unit": unit, "step": step, "responsible": responsible,
                                "overdue": "true" if overdue else None}.items() if v}
    return await forward(request, "projects", "GET", "/projects", params=params, actor=actor)


@router.get("/api/v1/staff/projects/board", tags=["staff"])
async def staff_board(request: Request, actor: Staff, unit: str | None = None):
    """The project board: projects by the step they wait on, overdue first."""
    params = {"unit": unit} if unit else {}
    return await forward(request, "projects", "GET", "/projects/board", params=params,
                         actor=actor)


@router.get("/api/v1/staff/projects/reminders", tags=["staff"])
async def staff_reminders(request: Request, actor: Staff, all: bool = False):
    """Steps flagged as overdue to me (`all=true`: every reminder I may see)."""
    return await forward(request, "projects", "GET", "/reminders",
                         params={"all": "true"} if all else {}, actor=actor)


@router.get("/api/v1/staff/projects/{project_id}", tags=["staff"])
async def staff_project(request: Request, project_id: str, actor: Staff):
    return await forward(request, "projects", "GET", f"/projects/{project_id}", actor=actor)


@router.post("/api/v1/staff/projects/{project_id}/steps/{step}/complete", tags=["staff"],
             responses={409: {"description": "A step skipped (the current step is named) or "
                                             "already complete"},
                        422: {"description": "A reason for each missing or invalid output"}})
async def complete_step(request: Request, project_id: str, step: str, actor: Staff,
                        payload: Annotated[dict[str, Any], Body(examples=[STEP1_EXAMPLE])]):
    """Complete a step with its outputs (see `GET /api/v1/projects/steps`)."""
    return await forward(request, "projects", "POST",
                         f"/projects/{project_id}/steps/{step}/complete", json=payload,
                         actor=actor)


@router.post("/api/v1/staff/projects/{project_id}/steps/{step}/reopen", tags=["staff"])
async def reopen_step(request: Request, project_id: str, step: str, actor: Staff,
                      payload: Annotated[dict[str, Any], Body(examples=[{
                          "reason": "The invitation missed Swedish speakers."}])]):
    """Reopen a complete step (and the complete steps after it) with a reason."""
    return await forward(request, "projects", "POST",
                         f"/projects/{project_id}/steps/{step}/reopen", json=payload,
                         actor=actor)


@router.put("/api/v1/staff/projects/{project_id}/steps/{step}/due", tags=["staff"])
async def set_due_date(request: Request, project_id: str, step: str, actor: Staff,
                       payload: Annotated[dict[str, Any], Body(examples=[{
                           "due_on": "2026-03-31"}])]):
    """Set (or with null clear) the due date of a step still to do."""
    return await forward(request, "projects", "PUT", f"/projects/{project_id}/steps/{step}/due",
                         json=payload, actor=actor)


@router.get("/api/v1/staff/plans", tags=["staff"])
async def staff_plans(request: Request, actor: Staff, year: str | None = None):
    """Units' participation plans (staff: their own unit's)."""
    return await forward(request, "projects", "GET", "/plans",
                         params={"year": year} if year else {}, actor=actor)


@router.get("/api/v1/staff/plans/{unit}/{year}", tags=["staff"])
async def staff_plan(request: Request, unit: str, year: str, actor: Staff):
    """A unit's annual clock: participation planned by month against what was done."""
    return await forward(request, "projects", "GET", f"/plans/{unit}/{year}", actor=actor)


@router.put("/api/v1/staff/plans/{unit}/{year}", tags=["staff"])
async def save_plan(request: Request, unit: str, year: str, actor: Staff,
                    payload: Annotated[dict[str, Any], Body(examples=[{"entries": [
                        {"month": 3, "title": "Map survey on park plans",
                         "method": "map_survey"}]}])]):
    """Save a unit's participation plan for a year (replaces the earlier one)."""
    return await forward(request, "projects", "PUT", f"/plans/{unit}/{year}", json=payload,
                         actor=actor)


# -- forms to JSON ----------------------------------------------------------------------------
def _typed(kind: str, raw: str):
    raw = raw.strip()
    if kind == "count" and re.fullmatch(r"-?[0-9]{1,12}", raw):
        return int(raw)  # anything else goes on as text, and the service names the problem
    return raw


def _items(kind: str, raw: str) -> list[str]:
    separators = r"\n" if kind == "list" else r"[\s,;]+"
    return [item.strip() for item in re.split(separators, raw or "") if item.strip()]


def outputs_from_form(spec: dict, form) -> dict:
    """A step's outputs from its HTML form, field by field as the step's spec says."""
    outputs: dict[str, Any] = {}
    for f in spec["fields"]:
        name, kind = f["name"], f["kind"]
        if kind == "flag":
            outputs[name] = form.get(name) == "true"
        elif kind in ("choices", "methods"):
            if form.getlist(name):
                outputs[name] = form.getlist(name)
        elif kind in ("list", "ids", "languages"):
            if _items(kind, form.get(name, "")):
                outputs[name] = _items(kind, form.get(name, ""))
        elif kind == "records":
            rows = _rows(name, f["subfields"], form)
            if rows:
                outputs[name] = rows
        elif form.get(name, "").strip():
            outputs[name] = _typed(kind, form.get(name, ""))
    return outputs


def _rows(name: str, subfields: list[dict], form) -> list[dict]:
    kinds = {s["name"]: s["kind"] for s in subfields}
    rows: dict[int, dict] = {}
    for key, raw in form.multi_items():
        match = re.fullmatch(rf"{re.escape(name)}\.(\d+)\.(\w+)", key)
        if match and match.group(2) in kinds and str(raw).strip():
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = _typed(
                kinds[match.group(2)], str(raw))
    # A row left with only its hidden id was emptied on purpose: the session is removed.
    return [rows[i] for i in sorted(rows) if set(rows[i]) - {"id"}]


def _contact_from_form(form) -> dict:
    contact = {}
    for name in ("email", "phone"):
        if form.get(name, "").strip():
            contact[name] = form.get(name).strip()
    if contact:
        contact["language"] = form.get("language") or "fi"
        contact["plain_language"] = form.get("plain_language") == "true"
    return contact


# -- public pages -----------------------------------------------------------------------------
def _message(request: Request, reply: Reply, title: str) -> HTMLResponse:
    return page(request, "projects/message.html", status=reply.status, title=title,
                reply=reply.body if isinstance(reply.body, dict) else {})


@pages.get("/projects", response_class=HTMLResponse)
async def projects_page(request: Request, area: str = "", phase: str = ""):
    params = {k: v for k, v in {"area": area, "phase": phase}.items() if v}
    reply = await call(request, "projects", "GET", "/public/projects", params=params)
    if reply.status != 200:
        return _message(request, reply, "Projects")
    return page(request, "projects/list.html", projects=reply.body["projects"], area=area)


async def _public_project(request: Request, project_id: str, status: int = 200, **context):
    reply = await call(request, "projects", "GET", f"/public/projects/{project_id}")
    if reply.status != 200:
        return _message(request, reply, "Project")
    return page(request, "projects/detail.html", status=status, project=reply.body, **context)


@pages.get("/projects/{project_id}", response_class=HTMLResponse)
async def project_page(request: Request, project_id: str):
    return await _public_project(request, project_id)


@pages.post("/projects/{project_id}/sessions/{session_id}/register",
            response_class=HTMLResponse)
async def register_form(request: Request, project_id: str, session_id: str):
    form = await request.form()
    path = f"/public/projects/{project_id}/sessions/{session_id}/registrations"
    reply = await _participate(request, path, _contact_from_form(form))
    if reply.status < 300:
        return page(request, "projects/thanks.html", status=reply.status, kind="registration",
                    reply=reply.body, project_id=project_id)
    return await _public_project(request, project_id, status=reply.status,
                                 errors=reply.body, errors_for=f"session-{session_id}")


@pages.post("/projects/{project_id}/satisfaction", response_class=HTMLResponse)
async def satisfaction_form(request: Request, project_id: str):
    form = await request.form()
    score = form.get("score", "")
    payload = {"score": int(score) if re.fullmatch(r"[0-9]{1,2}", score) else score or None,
               **_contact_from_form(form)}
    reply = await _participate(request, f"/public/projects/{project_id}/satisfaction", payload)
    if reply.status < 300:
        return page(request, "projects/thanks.html", status=reply.status, kind="satisfaction",
                    reply=reply.body, project_id=project_id)
    return await _public_project(request, project_id, status=reply.status,
                                 errors=reply.body, errors_for="satisfaction")


@pages.post("/projects/{project_id}/feedback", response_class=HTMLResponse)
async def project_feedback_form(request: Request, project_id: str):
    """Feedback on a project goes to the feedback service linked to the project."""
    form = await request.form()
    payload = {"text": form.get("text", ""), "kind": form.get("kind") or "feedback",
               "area": form.get("area") or None, "channel": "omalahti",
               "language": form.get("language") or "fi", "project_id": project_id}
    reply = await call(request, "feedback", "POST", "/feedback", json=payload)
    if reply.status == 201:
        return page(request, "receipt.html", status=201, receipt=reply.body)
    return await _public_project(request, project_id, status=reply.status, errors=reply.body,
                                 errors_for="feedback", feedback_form=payload)


# -- staff pages ------------------------------------------------------------------------------
def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@pages.get("/staff/projects", response_class=HTMLResponse)
async def board_page(request: Request, actor: StaffPage):
    reply = await call(request, "projects", "GET", "/projects/board", actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Project board")
    reminders = await call(request, "projects", "GET", "/reminders", actor=actor)
    return page(request, "projects/board.html", board=reply.body, actor=actor,
                year=date.today().year,
                reminders=reminders.body.get("reminders", []) if reminders.status == 200 else [])


async def _steps(request: Request) -> list[dict]:
    reply = await call(request, "projects", "GET", "/steps")
    return reply.body["steps"] if reply.status == 200 else []


@pages.get("/staff/projects/new", response_class=HTMLResponse)
async def new_project_page(request: Request, actor: StaffPage):
    return page(request, "projects/new.html", actor=actor, form={"unit": actor.unit or ""},
                steps=await _steps(request))


@pages.post("/staff/projects", response_class=HTMLResponse)
async def create_project_form(request: Request, actor: StaffPage):
    form = await request.form()
    payload = {k: form.get(k, "").strip() for k in
               ("title", "unit", "responsible_name", "topic", "starts_on", "ends_on")
               if form.get(k, "").strip()}
    payload["areas"] = form.getlist("areas")
    due = {str(n): form.get(f"due_{n}") for n in range(1, 8) if form.get(f"due_{n}")}
    if due:
        payload["due_dates"] = due
    reply = await call(request, "projects", "POST", "/projects", json=payload, actor=actor)
    if reply.status == 201:
        return _see_other(f"/staff/projects/{reply.body['id']}")
    return page(request, "projects/new.html", status=reply.status, actor=actor,
                form={**payload, **{f"due_{k}": v for k, v in due.items()}}, errors=reply.body,
                steps=await _steps(request))


async def _staff_project(request: Request, actor: Actor, project_id: str, status: int = 200,
                         **context) -> HTMLResponse:
    reply = await call(request, "projects", "GET", f"/projects/{project_id}", actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Project")
    steps = await _steps(request)
    project = reply.body
    current = project["current_step"]
    spec = steps[current - 1] if current <= len(steps) else None
    values = context.pop("values", None)
    if values is None and spec:
        values = dict(project["steps"][current - 1]["outputs"])  # a reopened step's draft
        if current == 4 and project["linked_feedback"]["ids"]:
            values.setdefault("feedback_ids", project["linked_feedback"]["ids"])
        if current == 4 and not values.get("sessions_held"):
            values["sessions_held"] = [{"title": s["title"], "held_on": s["starts_at"][:10]}
                                       for s in project["sessions"]]
    return page(request, "projects/staff_detail.html", status=status, project=project,
                spec=spec, values=values or {}, actor=actor, rows=RECORD_ROWS, **context)


@pages.get("/staff/projects/{project_id}", response_class=HTMLResponse)
async def staff_project_page(request: Request, project_id: str, actor: StaffPage):
    return await _staff_project(request, actor, project_id)


@pages.post("/staff/projects/{project_id}/steps/{step}/complete", response_class=HTMLResponse)
async def complete_step_form(request: Request, project_id: str, step: str, actor: StaffPage):
    form = await request.form()
    steps = await _steps(request)
    if not re.fullmatch(r"[0-9]{1,2}", step) or not 1 <= int(step) <= len(steps):
        return _message(request, Reply(404, error_body("not_found", "No such step.")), "Step")
    outputs = outputs_from_form(steps[int(step) - 1], form)
    reply = await call(request, "projects", "POST",
                       f"/projects/{project_id}/steps/{step}/complete", json=outputs,
                       actor=actor)
    if reply.status == 200:
        return _see_other(f"/staff/projects/{project_id}#step-{step}")
    return await _staff_project(request, actor, project_id, status=reply.status,
                                errors=reply.body, errors_for="complete", values=outputs)


@pages.post("/staff/projects/{project_id}/steps/{step}/reopen", response_class=HTMLResponse)
async def reopen_step_form(request: Request, project_id: str, step: str, actor: StaffPage):
    form = await request.form()
    reply = await call(request, "projects", "POST", f"/projects/{project_id}/steps/{step}/reopen",
                       json={"reason": form.get("reason", "")}, actor=actor)
    if reply.status == 200:
        return _see_other(f"/staff/projects/{project_id}")
    return await _staff_project(request, actor, project_id, status=reply.status,
                                errors=reply.body, errors_for=f"reopen-{step}")


@pages.post("/staff/projects/{project_id}/steps/{step}/due", response_class=HTMLResponse)
async def due_date_form(request: Request, project_id: str, step: str, actor: StaffPage):
    form = await request.form()
    reply = await call(request, "projects", "PUT", f"/projects/{project_id}/steps/{step}/due",
                       json={"due_on": form.get("due_on") or None}, actor=actor)
    if reply.status == 200:
        return _see_other(f"/staff/projects/{project_id}")
    return await _staff_project(request, actor, project_id, status=reply.status,
                                errors=reply.body, errors_for="due")


async def _plan_page(request: Request, actor: Actor, unit: str, year: str, status: int = 200,
                     **context) -> HTMLResponse:
    reply = await call(request, "projects", "GET", f"/plans/{unit}/{year}", actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Participation plan")
    catalogue = await call(request, "projects", "GET", "/methods")
    projects = await call(request, "projects", "GET", "/projects", params={"unit": unit},
                          actor=actor)
    methods = {m["id"]: m for way in (catalogue.body.get("ways", [])
                                      if catalogue.status == 200 else [])
               for m in way["methods"]}
    clock = reply.body
    entries = context.pop("entries", None)
    if entries is None:
        entries = clock["plan"]["entries"] if clock["plan"] else []
    return page(request, "projects/plan.html", status=status, clock=clock, actor=actor,
                entries=entries, rows=len(entries) + RECORD_ROWS, methods=list(methods.values()),
                projects=projects.body.get("projects", []) if projects.status == 200 else [],
                **context)


@pages.get("/staff/plans/{unit}/{year}", response_class=HTMLResponse)
async def plan_page(request: Request, unit: str, year: str, actor: StaffPage):
    return await _plan_page(request, actor, unit, year)


@pages.post("/staff/plans/{unit}/{year}", response_class=HTMLResponse)
async def plan_form(request: Request, unit: str, year: str, actor: StaffPage):
    form = await request.form()
    fields = {"month": "count", "title": "line", "method": "line", "project_id": "line",
              "notes": "text"}
    entries = _rows("entries", [{"name": k, "kind": v} for k, v in fields.items()], form)
    reply = await call(request, "projects", "PUT", f"/plans/{unit}/{year}",
                       json={"entries": entries}, actor=actor)
    if reply.status in (200, 201):
        return _see_other(f"/staff/plans/{unit}/{year}")
    return await _plan_page(request, actor, unit, year, status=reply.status, errors=reply.body,
                            entries=entries)


router.include_router(pages)
