"""Comprehensive evaluations over HTTP (evaluator role): create one for a period, give the
expert assessment of each area, publish it (EvaluationPublished, through the outbox)."""

import re

from services.common.actor import require_actor
from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.errors import NotFound
from services.common.httpapi import Request, Response, Router
from services.evaluation import chart, domain, indicator_set, projection
from services.evaluation.computations import Filters
from services.evaluation.documents import EvaluationDocument, from_document, to_document

ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _load(evaluation_id: str) -> tuple[domain.Evaluation, int]:
    doc = EvaluationDocument.objects(id=evaluation_id).first() \
        if ID_PATTERN.match(evaluation_id) else None
    if doc is None:
        raise NotFound(f"No evaluation {evaluation_id}.")
    return from_document(doc), doc.version


def _save(evaluation: domain.Evaluation, ctx: ServiceContext, correlation_id: str,
          version: int = 0) -> None:
    events = [new_event(name, data, service=ctx.service, subject=evaluation.id,
                        correlation_id=correlation_id)
              for name, data in evaluation.events]
    ctx.save_with_events(to_document(evaluation, version), events)
    evaluation.events.clear()


def _radar(evaluation: domain.Evaluation) -> dict:
    """The frozen radar of a published evaluation, the live one of a draft."""
    return evaluation.radar or projection.radar(Filters(period=evaluation.period),
                                                evaluation.indicator_set_version)


def add_routes(router: Router) -> None:
    @router.route("POST", "/evaluations")
    def create_evaluation(request: Request, ctx: ServiceContext) -> Response:
        actor = require_actor(request.headers, "evaluator")
        evaluation = domain.create(request.json_object(), now=ctx.clock(), actor_id=actor.id,
                                   versions=list(indicator_set.available()))
        _save(evaluation, ctx, request.correlation_id)
        return Response(201, domain.view(evaluation, _radar(evaluation)))

    @router.route("GET", "/evaluations")
    def list_evaluations(request: Request, ctx: ServiceContext) -> Response:
        require_actor(request.headers, "evaluator")
        docs = EvaluationDocument.objects.order_by("-created_at").limit(200)
        return Response(200, {"evaluations": [domain.summary_view(from_document(d))
                                              for d in docs]})

    @router.route("GET", "/evaluations/{id}")
    def get_evaluation(request: Request, ctx: ServiceContext) -> Response:
        require_actor(request.headers, "evaluator")
        evaluation, _ = _load(request.params["id"])
        return Response(200, domain.view(evaluation, _radar(evaluation)))

    @router.route("PUT", "/evaluations/{id}/assessments/{area}")
    def assess(request: Request, ctx: ServiceContext) -> Response:
        actor = require_actor(request.headers, "evaluator")
        evaluation, version = _load(request.params["id"])
        domain.assess(evaluation, request.params["area"], request.json_object(),
                      now=ctx.clock(), actor_id=actor.id)
        _save(evaluation, ctx, request.correlation_id, version)
        return Response(200, domain.view(evaluation, _radar(evaluation)))

    @router.route("POST", "/evaluations/{id}/publish")
    def publish(request: Request, ctx: ServiceContext) -> Response:
        actor = require_actor(request.headers, "evaluator")
        evaluation, version = _load(request.params["id"])
        domain.publish(evaluation, _radar(evaluation), now=ctx.clock(), actor_id=actor.id)
        _save(evaluation, ctx, request.correlation_id, version)
        return Response(200, domain.view(evaluation, evaluation.radar))

    @router.route("GET", "/evaluations/{id}/radar.svg")
    def evaluation_chart(request: Request, ctx: ServiceContext) -> Response:
        require_actor(request.headers, "evaluator")
        lang = domain.parse_language(request.query)
        evaluation, _ = _load(request.params["id"])
        radar = _radar(evaluation)
        expert = domain.expert_scores(evaluation)
        if all(score is None for score in expert.values()):
            expert = None  # nothing assessed yet: no empty second polygon
        return Response(200, {"svg": chart.render(radar, lang, expert),
                              "caption": chart.caption(radar, lang),
                              "evaluation": domain.view(evaluation, radar)})
