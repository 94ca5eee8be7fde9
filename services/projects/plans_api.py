"""Staff routes for units' participation plans in their annual clock (vuosikello)."""

import re

from services.common.actor import Forbidden, require_actor
from services.common.context import ServiceContext
from services.common.errors import ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.projects import catalogue, plans, repository
from services.projects.documents import (
    PlanDocument,
    plan_from_document,
    plan_to_document,
)

STAFF_ROLES = ("staff", "coordinator")


def _clock(unit: str, year: int) -> dict:
    doc = PlanDocument.objects(id=plans.plan_id(unit, year)).first()
    plan = plan_from_document(doc) if doc else None
    return plans.annual_clock(unit, year, plan, repository.find_projects(unit=unit))


def add_routes(router: Router) -> None:
    @router.route("GET", "/plans")
    def list_plans(request: Request, ctx: ServiceContext) -> Response:
        """Which units have a plan for a year (staff: their own unit)."""
        actor = require_actor(request.headers, *STAFF_ROLES)
        query = {}
        year = request.query.get("year")
        if year:
            if not re.fullmatch(r"\d{4}", year):
                raise ValidationFailed({"year": "must be a year such as 2026"})
            query["year"] = int(year)
        if not actor.has("coordinator", "evaluator"):
            query["unit"] = actor.unit or "-"
        docs = PlanDocument.objects(**query).order_by("unit", "-year")
        return Response(200, {"plans": [{
            "unit": d.unit, "year": d.year, "planned": len(d.entries),
            "saved_at": d.saved_at.isoformat(), "url": f"/plans/{d.unit}/{d.year}",
        } for d in docs]})

    @router.route("GET", "/plans/{unit}/{year}")
    def get_plan(request: Request, ctx: ServiceContext) -> Response:
        """The annual clock: planned participation by month against what was done."""
        actor = require_actor(request.headers, *STAFF_ROLES)
        unit = request.params["unit"]
        year = plans.check_key(unit, request.params["year"])
        if not actor.may_see_unit(unit):
            raise Forbidden("Staff see their own unit's plan (coordinators see all).")
        return Response(200, _clock(unit, year))

    @router.route("PUT", "/plans/{unit}/{year}")
    def save_plan(request: Request, ctx: ServiceContext) -> Response:
        """Saves (replaces) a unit's plan for a year; ParticipationPlanSaved tells evaluation."""
        actor = require_actor(request.headers, *STAFF_ROLES)
        unit = request.params["unit"]
        year = plans.check_key(unit, request.params["year"])
        if not actor.may_see_unit(unit):
            raise Forbidden("Staff plan for their own unit (coordinators for all).")
        plan = plans.save(unit, year, request.body, methods=catalogue.default().ids,
                          now=ctx.clock(), by=actor.id)
        existing = PlanDocument.objects(id=plan.id).only("version").first()
        version = existing.version if existing else 0
        repository.emit(plan_to_document(plan, version), plan.events, plan.id, ctx,
                        request.correlation_id)
        return Response(201 if version == 0 else 200, _clock(unit, year))
