"""The evaluation service's internal HTTP API and its event handlers."""

import re

from services.common.context import ServiceContext
from services.common.envelope import Event
from services.common.errors import ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.common.vocabulary import AREAS
from services.evaluation import projection

router = Router()
add_health_routes(router)

# Every domain event is a fact for some indicator.
HANDLED_EVENTS = (
    "FeedbackReceived", "FeedbackAnswered", "ProjectStepCompleted", "ResultsPublished",
    "ApplicationSubmitted",
)


def handle_event(event: Event, ctx: ServiceContext | None = None) -> None:
    projection.record(event)


@router.route("GET", "/summary")
def get_summary(request: Request, ctx: ServiceContext) -> Response:
    filters = {k: request.query.get(k) for k in ("month", "year", "area", "unit")}
    errors = {}
    if filters["month"] and not re.fullmatch(r"\d{4}-\d{2}", filters["month"]):
        errors["month"] = "must look like 2026-11"
    if filters["year"] and not re.fullmatch(r"\d{4}", filters["year"]):
        errors["year"] = "must look like 2026"
    if filters["area"] and filters["area"] not in AREAS:
        errors["area"] = f"unknown area; allowed values: {', '.join(AREAS)}"
    if errors:
        raise ValidationFailed(errors)
    return Response(200, projection.summary(filters))
