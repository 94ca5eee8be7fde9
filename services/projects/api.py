"""The projects service's internal HTTP API: staff running projects through the seven steps.
Public routes are in public_api.py, plans in plans_api.py."""

import re

from services.common.actor import Actor, Forbidden, require_actor
from services.common.context import ServiceContext
from services.common.errors import NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.projects import catalogue, domain, plans_api, public_api, repository, views
from services.projects.documents import ProjectDocument, ReminderDocument
from services.projects.domain import local_date
from services.projects.steps import STEP_COUNT, STEPS

router = Router()
add_health_routes(router)
STAFF_ROLES = ("staff", "coordinator")


def staff(request: Request) -> Actor:
    return require_actor(request.headers, *STAFF_ROLES)


def step_number(request: Request) -> int:
    raw = request.params["n"]
    if not re.fullmatch(r"[0-9]{1,2}", raw) or not 1 <= int(raw) <= STEP_COUNT:
        raise NotFound(f"There is no step {raw}; the steps are 1 to {STEP_COUNT}.")
    return int(raw)


def check_unit(actor: Actor, unit: str) -> None:
    """Staff work on their own unit's projects; coordinators on all."""
    if not actor.may_see_unit(unit):
        raise Forbidden(f"This belongs to the unit {unit}; staff work on their own unit's "
                        "projects (coordinators on all).")


def load_for(actor: Actor, project_id: str) -> tuple[domain.Project, int]:
    project, version = repository.load_project(project_id)
    check_unit(actor, project.unit)
    return project, version


def staff_view(project: domain.Project, ctx: ServiceContext) -> dict:
    return views.staff_view(
        project, catalogue.default(), local_date(ctx.clock()),
        registrations=repository.registration_counts(project.id),
        satisfaction=repository.satisfaction(project.id),
        linked_feedback=repository.linked_feedback(project.id))


@router.route("GET", "/methods")
def list_methods(request: Request, ctx: ServiceContext) -> Response:
    """The method catalogue: the four ways to participate and their methods."""
    return Response(200, catalogue.default().as_dict())


@router.route("GET", "/steps")
def list_steps(request: Request, ctx: ServiceContext) -> Response:
    """The seven steps and the outputs each asks for (the staff forms are drawn from this)."""
    ways = {w.id: (order, w) for order, w in enumerate(catalogue.default().ways, start=1)}
    methods = [{"value": m.id, "en": m.en, "fi": m.fi,  # grouped by the method's first way
                "group": {"order": ways[m.ways[0]][0], "en": ways[m.ways[0]][1].en,
                          "fi": ways[m.ways[0]][1].fi}}
               for m in catalogue.default().methods]
    steps = []
    for spec in STEPS:
        entry = spec.as_dict()
        for f in entry["fields"]:
            if f["kind"] == "methods":
                f["options"] = methods
        steps.append(entry)
    return Response(200, {"steps": steps})


@router.route("POST", "/projects")
def create_project(request: Request, ctx: ServiceContext) -> Response:
    actor = staff(request)
    project = domain.create(request.json_object(), now=ctx.clock(), by=actor.id,
                            default_unit=actor.unit)
    check_unit(actor, project.unit)
    repository.save_project(project, 0, ctx, request.correlation_id)
    return Response(201, staff_view(project, ctx), {"Location": f"/projects/{project.id}"})


def _filters(request: Request, actor: Actor) -> dict:
    filters, errors = {}, {}
    unit = request.query.get("unit")
    if not actor.has("coordinator", "evaluator"):
        if unit and unit != actor.unit:
            raise Forbidden("Staff see their own unit's projects (coordinators see all).")
        unit = actor.unit or "-"  # staff without a unit have no projects
    if unit:
        filters["unit"] = unit
    step = request.query.get("step")
    if step:
        if not re.fullmatch(r"[0-9]{1,2}", step) or not 1 <= int(step) <= STEP_COUNT + 1:
            errors["step"] = f"must be 1 to {STEP_COUNT}, or {STEP_COUNT + 1} for finished"
        else:
            filters["current_step"] = int(step)
    if request.query.get("responsible"):
        filters["responsible"] = request.query["responsible"]
    if errors:
        raise ValidationFailed(errors)
    return filters


@router.route("GET", "/projects")
def list_projects(request: Request, ctx: ServiceContext) -> Response:
    """Projects the staff member may see; `overdue=true` only those waiting past a due date."""
    actor = staff(request)
    today = local_date(ctx.clock())
    cards = [views.card(p, today) for p in repository.find_projects(**_filters(request, actor))]
    if request.query.get("overdue") in ("true", "1", "yes"):
        cards = [c for c in cards if c["overdue"]]
    cards.sort(key=lambda c: (-c["days_overdue"], c["current_step"], c["title"]))
    return Response(200, {"projects": cards, "count": len(cards)})


@router.route("GET", "/projects/board")
def board(request: Request, ctx: ServiceContext) -> Response:
    """The projects by the step they wait on, overdue ones first in each column."""
    actor = staff(request)
    today = local_date(ctx.clock())
    cards = [views.card(p, today) for p in repository.find_projects(**_filters(request, actor))]
    columns = []
    for number in range(1, STEP_COUNT + 2):
        column = sorted((c for c in cards if c["current_step"] == number),
                        key=lambda c: (-c["days_overdue"], c["title"]))
        label = views.step_name(number)
        columns.append({"step": number, **label, "projects": column})
    return Response(200, {"columns": columns, "count": len(cards),
                          "overdue": sum(c["overdue"] for c in cards)})


@router.route("GET", "/projects/{id}")
def get_project(request: Request, ctx: ServiceContext) -> Response:
    project, _ = load_for(staff(request), request.params["id"])
    return Response(200, staff_view(project, ctx))


@router.route("POST", "/projects/{id}/steps/{n}/complete")
def complete_step(request: Request, ctx: ServiceContext) -> Response:
    """Completes the current step with its outputs (422 names each missing one; 409 when a
    step is skipped, naming the current step)."""
    actor = staff(request)
    number = step_number(request)
    project, version = load_for(actor, request.params["id"])
    linked = repository.linked_feedback(project.id) if number == 4 else []
    project.complete(number, request.body, by=actor.id, now=ctx.clock(),
                     methods=catalogue.default().ids, linked_feedback=linked)
    repository.save_project(project, version, ctx, request.correlation_id)
    return Response(200, staff_view(project, ctx))


@router.route("POST", "/projects/{id}/steps/{n}/reopen")
def reopen_step(request: Request, ctx: ServiceContext) -> Response:
    actor = staff(request)
    number = step_number(request)
    project, version = load_for(actor, request.params["id"])
    reopened = project.reopen(number, request.json_object().get("reason"), by=actor.id,
                              now=ctx.clock())
    repository.save_project(project, version, ctx, request.correlation_id)
    return Response(200, {**staff_view(project, ctx), "reopened": reopened})


@router.route("PUT", "/projects/{id}/steps/{n}/due")
def set_due_date(request: Request, ctx: ServiceContext) -> Response:
    actor = staff(request)
    number = step_number(request)
    project, version = load_for(actor, request.params["id"])
    body = request.json_object()
    if "due_on" not in body:
        raise ValidationFailed({"due_on": "is required: a date such as 2026-03-31, or null"})
    project.set_due(number, body["due_on"], by=actor.id, now=ctx.clock())
    repository.save_project(project, version, ctx, request.correlation_id)
    return Response(200, staff_view(project, ctx))


@router.route("GET", "/reminders")
def list_reminders(request: Request, ctx: ServiceContext) -> Response:
    """Steps flagged as overdue to the signed-in staff member (`all=true`: every reminder the
    actor may see), newest first; `resolved` once the step moved on or its date changed."""
    actor = staff(request)
    if request.query.get("all") in ("true", "1", "yes"):
        query = {} if actor.has("coordinator") else {"unit": actor.unit or "-"}
    else:
        query = {"responsible": actor.id}
    reminders = list(ReminderDocument.objects(**query).order_by("-flagged_at").limit(500))
    states = {d.id: (d.current_step, d.current_due_on) for d in ProjectDocument.objects(
        id__in=list({r.project_id for r in reminders})).only("id", "current_step",
                                                            "current_due_on")}
    return Response(200, {"reminders": [{
        "project_id": r.project_id, "title": r.title, "unit": r.unit,
        "responsible": r.responsible, "step": r.step, "step_name": views.step_name(r.step),
        "due_on": r.due_on, "flagged_at": r.flagged_at.isoformat(),
        "resolved": states.get(r.project_id) != (r.step, r.due_on),
    } for r in reminders]})


public_api.add_routes(router)
plans_api.add_routes(router)
