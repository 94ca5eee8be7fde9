"""The evaluation service's internal HTTP API and its event handler.

The radar, its chart, its exports and the indicator sets are public (aggregates of the event
flow, no personal data: the city shows openly whether it keeps its promise); per-project
figures and comprehensive evaluations need the evaluator role, rebuilds the admin role."""

import re

from services.common.actor import require_actor
from services.common.context import ServiceContext
from services.common.envelope import Event
from services.common.errors import ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.common.vocabulary import AREAS
from services.evaluation import (
    chart,
    evaluations_api,
    export,
    gauges,
    indicator_set,
    projection,
    rebuild_api,
)
from services.evaluation.computations import Filters
from services.evaluation.domain import parse_filters, parse_language
from services.evaluation.facts import CITY_TIME, READ_EVENTS

router = Router()
add_health_routes(router)
evaluations_api.add_routes(router)
rebuild_api.add_routes(router)
HANDLED_EVENTS = READ_EVENTS


def handle_event(event: Event, ctx: ServiceContext | None = None) -> None:
    projection.record(event)


def gauge_filters(ctx: ServiceContext) -> Filters:
    """What the Prometheus gauges show: the current year, city-wide."""
    return Filters(period=ctx.clock().astimezone(CITY_TIME).strftime("%Y"))


def refresh_gauges(ctx: ServiceContext) -> None:
    gauges.publish(projection.radar(gauge_filters(ctx)))


def _radar(request: Request, ctx: ServiceContext) -> dict:
    filters = parse_filters(request.query)
    version = request.query.get("version") or None
    radar = projection.radar(filters, version)
    if filters == gauge_filters(ctx) and radar["indicator_set_version"] == \
            projection.indicator_set_for().version:
        gauges.publish(radar)  # the same figures: keep the gauges as fresh as the page
    return radar


@router.route("GET", "/radar")
def get_radar(request: Request, ctx: ServiceContext) -> Response:
    return Response(200, _radar(request, ctx))


@router.route("GET", "/radar.svg")
def get_radar_svg(request: Request, ctx: ServiceContext) -> Response:
    lang = parse_language(request.query)
    radar = _radar(request, ctx)
    return Response(200, {"svg": chart.render(radar, lang), "caption": chart.caption(radar, lang),
                          "radar": radar})


@router.route("GET", "/radar.csv")
def get_radar_csv(request: Request, ctx: ServiceContext) -> Response:
    lang = parse_language(request.query)
    radar = _radar(request, ctx)
    return Response(200, {"csv": export.radar_csv(radar, lang),
                          "filename": export.filename(radar, "csv")})


@router.route("GET", "/indicator-sets")
def list_indicator_sets(request: Request, ctx: ServiceContext) -> Response:
    sets = indicator_set.available()
    return Response(200, {"current": list(sets)[-1],
                          "versions": [{"version": s.version, "title": s.title,
                                        "indicators": len(s.indicators)}
                                       for s in sets.values()]})


@router.route("GET", "/indicator-sets/{version}")
def get_indicator_set(request: Request, ctx: ServiceContext) -> Response:
    return Response(200, projection.indicator_set_for(request.params["version"]).as_dict())


@router.route("GET", "/projects")
def get_project_figures(request: Request, ctx: ServiceContext) -> Response:
    require_actor(request.headers, "evaluator")
    filters = parse_filters(request.query)
    return Response(200, {"filters": filters.as_dict(),
                          "projects": projection.project_figures(projection.fetcher(), filters)})


@router.route("GET", "/summary")
def get_summary(request: Request, ctx: ServiceContext) -> Response:
    filters = {k: request.query.get(k) for k in ("month", "year", "area", "unit")}
    errors = {}
    if filters["month"] and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", filters["month"]):
        errors["month"] = "must look like 2026-11"
    if filters["year"] and not re.fullmatch(r"\d{4}", filters["year"]):
        errors["year"] = "must look like 2026"
    if filters["area"] and filters["area"] not in AREAS:
        errors["area"] = f"unknown area; allowed values: {', '.join(AREAS)}"
    if errors:
        raise ValidationFailed(errors)
    return Response(200, projection.summary(filters))
