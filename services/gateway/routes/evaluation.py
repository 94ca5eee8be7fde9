"""Evaluation: the co-creation radar (public: aggregates only), its chart and exports, the
indicator sets, and the evaluators' pages and API for comprehensive evaluations. Rules and
figures live in the evaluation service; this module composes calls and renders."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.common.actor import Actor
from services.gateway.auth import require
from services.gateway.clients import Reply
from services.gateway.i18n import choose_language
from services.gateway.proxy import as_json, call, forward, page

router = APIRouter(tags=["evaluation"])
pages = APIRouter(include_in_schema=False)
Evaluator = Annotated[Actor, Depends(require("evaluator"))]
Admin = Annotated[Actor, Depends(require("admin"))]
EvaluatorPage = Annotated[Actor, Depends(require("evaluator", page=True))]
ERRORS = {422: {"description": "A reason for each invalid parameter"}}


def _filters(period, unit, area, version) -> dict[str, str]:
    return {k: v for k, v in
            {"period": period, "unit": unit, "area": area, "version": version}.items() if v}


def _download(reply: Reply, key: str, media_type: str, filename: str | None = None):
    """A service answer that carries a document (SVG, CSV) in `key`, as that document."""
    if reply.status != 200:
        return as_json(reply)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(reply.body[key], media_type=media_type, headers=headers)


# -- public API -------------------------------------------------------------------------------
@router.get("/api/v1/evaluation/summary")
async def evaluation_summary(request: Request, month: str | None = None, year: str | None = None,
                             area: str | None = None, unit: str | None = None):
    """Counts derived from the event flow, optionally for one month, year, area or unit."""
    params = {k: v for k, v in
              {"month": month, "year": year, "area": area, "unit": unit}.items() if v}
    return await forward(request, "evaluation", "GET", "/summary", params=params)


@router.get("/api/v1/evaluation/radar", responses=ERRORS)
async def radar(request: Request, period: str | None = None, unit: str | None = None,
                area: str | None = None, version: str | None = None):
    """The co-creation radar: the four areas with their automatic score (0-5), each
    indicator's value, population size and score, and the indicator set version used.
    Filters: `period` (2026 or 2026-11), `unit`, `area` (a major area: keskusta, itainen,
    etelainen, pohjoinen) and `version` (default: the newest set)."""
    return await forward(request, "evaluation", "GET", "/radar",
                         params=_filters(period, unit, area, version))


@router.get("/api/v1/evaluation/radar.svg", responses=ERRORS,
            response_class=Response)
async def radar_svg(request: Request, period: str | None = None, unit: str | None = None,
                    area: str | None = None, version: str | None = None, lang: str = "en"):
    """The radar as an SVG chart (title and description carry every score), `lang` fi or en."""
    reply = await call(request, "evaluation", "GET", "/radar.svg",
                       params={**_filters(period, unit, area, version), "lang": lang})
    return _download(reply, "svg", "image/svg+xml")


@router.get("/api/v1/evaluation/radar.csv", responses=ERRORS, response_class=Response)
async def radar_csv(request: Request, period: str | None = None, unit: str | None = None,
                    area: str | None = None, version: str | None = None, lang: str = "en"):
    """The radar as CSV, one row per indicator (export)."""
    reply = await call(request, "evaluation", "GET", "/radar.csv",
                       params={**_filters(period, unit, area, version), "lang": lang})
    filename = reply.body.get("filename") if reply.status == 200 else None
    return _download(reply, "csv", "text/csv; charset=utf-8", filename)


@router.get("/api/v1/evaluation/radar.json", responses=ERRORS)
async def radar_json(request: Request, period: str | None = None, unit: str | None = None,
                     area: str | None = None, version: str | None = None):
    """The radar as a JSON file to download (export); the same figures as /radar."""
    reply = await call(request, "evaluation", "GET", "/radar",
                       params=_filters(period, unit, area, version))
    if reply.status != 200:
        return as_json(reply)
    parts = ["radar", period or "all", unit, area, reply.body["indicator_set_version"]]
    name = "-".join(p for p in parts if p) + ".json"
    return JSONResponse(reply.body,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/v1/evaluation/indicator-sets")
async def indicator_sets(request: Request):
    """The versions of the indicator set; the newest is used unless another is named."""
    return await forward(request, "evaluation", "GET", "/indicator-sets")


@router.get("/api/v1/evaluation/indicator-sets/{version}")
async def indicator_set(request: Request, version: str):
    """One indicator set: per area, each indicator's names, events read, computation and
    scale."""
    return await forward(request, "evaluation", "GET", f"/indicator-sets/{version}")


# -- evaluator API ----------------------------------------------------------------------------
@router.get("/api/v1/evaluation/projects", tags=["staff"])
async def project_figures(request: Request, actor: Evaluator, period: str | None = None,
                          unit: str | None = None, area: str | None = None):
    """Per project: steps completed, methods, participants and how many were told the
    impact, ratings (evaluator role)."""
    return await forward(request, "evaluation", "GET", "/projects", actor=actor,
                         params=_filters(period, unit, area, None))


@router.get("/api/v1/evaluation/evaluations", tags=["staff"])
async def list_evaluations(request: Request, actor: Evaluator):
    """Comprehensive evaluations, newest first (evaluator role)."""
    return await forward(request, "evaluation", "GET", "/evaluations", actor=actor)


@router.post("/api/v1/evaluation/evaluations", tags=["staff"], status_code=201,
             responses=ERRORS)
async def create_evaluation(request: Request, actor: Evaluator,
                            payload: Annotated[dict[str, Any], Body(examples=[
                                {"period": "2026", "title": "Osallisuuden arviointi 2026"}])]):
    """Start a comprehensive evaluation of a period (`period`, optional `title` and
    `indicator_set_version`, default the newest)."""
    return await forward(request, "evaluation", "POST", "/evaluations", json=payload,
                         actor=actor)


@router.get("/api/v1/evaluation/evaluations/{evaluation_id}", tags=["staff"])
async def get_evaluation(request: Request, evaluation_id: str, actor: Evaluator):
    """An evaluation: the automatic radar (frozen once published) and the expert view."""
    return await forward(request, "evaluation", "GET", f"/evaluations/{evaluation_id}",
                         actor=actor)


@router.put("/api/v1/evaluation/evaluations/{evaluation_id}/assessments/{area}",
            tags=["staff"], responses=ERRORS)
async def assess(request: Request, evaluation_id: str, area: str, actor: Evaluator,
                 payload: Annotated[dict[str, Any], Body(examples=[
                     {"score": 3.5, "note": "Results reach decision-making well."}])]):
    """The expert assessment of one area (goals, culture, satisfaction, methods): a score
    from 0 to 5 and a note."""
    return await forward(request, "evaluation", "PUT",
                         f"/evaluations/{evaluation_id}/assessments/{area}", json=payload,
                         actor=actor)


@router.post("/api/v1/evaluation/evaluations/{evaluation_id}/publish", tags=["staff"],
             responses=ERRORS)
async def publish(request: Request, evaluation_id: str, actor: Evaluator):
    """Publish: freezes the automatic radar beside the expert scores and emits
    EvaluationPublished. Every area needs an expert assessment first."""
    return await forward(request, "evaluation", "POST", f"/evaluations/{evaluation_id}/publish",
                         actor=actor)


@router.get("/api/v1/evaluation/evaluations/{evaluation_id}/radar.svg", tags=["staff"],
            response_class=Response)
async def evaluation_svg(request: Request, evaluation_id: str, actor: Evaluator,
                         lang: str = "en"):
    """The evaluation's radar: automatic and expert side by side."""
    reply = await call(request, "evaluation", "GET", f"/evaluations/{evaluation_id}/radar.svg",
                       params={"lang": lang}, actor=actor)
    return _download(reply, "svg", "image/svg+xml")


@router.post("/api/v1/evaluation/rebuilds", tags=["operations"], status_code=202,
             responses=ERRORS)
async def start_rebuild(request: Request, actor: Admin,
                        payload: Annotated[dict[str, Any] | None, Body()] = None):
    """Rebuild the evaluation projection by replaying every topic from the beginning (admin
    role). Options: `take_over` (a previous rebuild's process died), `allow_truncated`."""
    return await forward(request, "evaluation", "POST", "/rebuilds", json=payload or {},
                         actor=actor)


@router.get("/api/v1/evaluation/rebuilds", tags=["operations"])
async def list_rebuilds(request: Request, actor: Annotated[Actor, Depends(require("admin",
                                                                                  "evaluator"))]):
    """Recent rebuilds with their progress."""
    return await forward(request, "evaluation", "GET", "/rebuilds", actor=actor)


@router.get("/api/v1/evaluation/rebuilds/{rebuild_id}", tags=["operations"])
async def get_rebuild(request: Request, rebuild_id: str,
                      actor: Annotated[Actor, Depends(require("admin", "evaluator"))]):
    """One rebuild's progress: records read of the total, facts written, invalid records."""
    return await forward(request, "evaluation", "GET", f"/rebuilds/{rebuild_id}", actor=actor)


# -- evaluator pages --------------------------------------------------------------------------
def _names_lang(lang: str) -> str:
    """Indicator sets name things in Finnish and English."""
    return "fi" if lang == "fi" else "en"


def _message(request: Request, reply: Reply, title: str) -> HTMLResponse:
    return page(request, "evaluation/message.html", status=reply.status, title=title,
                reply=reply.body if isinstance(reply.body, dict) else {})


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page_lang(request: Request) -> str:
    return _names_lang(choose_language(request))


@pages.get("/staff/evaluation", response_class=HTMLResponse)
async def radar_page(request: Request, actor: EvaluatorPage, period: str = "", unit: str = "",
                     area: str = "", version: str = ""):
    lang = _page_lang(request)
    params = _filters(period, unit, area, version)
    reply = await call(request, "evaluation", "GET", "/radar.svg", params={**params, "lang": lang})
    if reply.status != 200:
        return _message(request, reply, "Co-creation radar")
    sets = await call(request, "evaluation", "GET", "/indicator-sets")
    evaluations = await call(request, "evaluation", "GET", "/evaluations", actor=actor)
    return page(request, "evaluation/radar.html", actor=actor, radar=reply.body["radar"],
                svg=reply.body["svg"], names=lang, form=params, query=urlencode(params),
                versions=[v["version"] for v in sets.body.get("versions", [])],
                evaluations=evaluations.body.get("evaluations", [])
                if evaluations.status == 200 else [])


@pages.get("/staff/evaluation/indicators", response_class=HTMLResponse)
async def indicators_page(request: Request, actor: EvaluatorPage, version: str = ""):
    sets = await call(request, "evaluation", "GET", "/indicator-sets")
    if sets.status != 200:
        return _message(request, sets, "Indicator set")
    chosen = version or sets.body["current"]
    reply = await call(request, "evaluation", "GET", f"/indicator-sets/{chosen}")
    if reply.status != 200:
        return _message(request, reply, "Indicator set")
    return page(request, "evaluation/indicators.html", actor=actor, indicator_set=reply.body,
                versions=sets.body["versions"], names=_page_lang(request))


@pages.get("/staff/evaluation/projects", response_class=HTMLResponse)
async def projects_page(request: Request, actor: EvaluatorPage, period: str = "",
                        unit: str = "", area: str = ""):
    params = _filters(period, unit, area, None)
    reply = await call(request, "evaluation", "GET", "/projects", params=params, actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Projects in the evaluation")
    return page(request, "evaluation/projects.html", actor=actor, form=params,
                projects=reply.body["projects"])


@pages.post("/staff/evaluation/evaluations", response_class=HTMLResponse)
async def create_evaluation_form(request: Request, actor: EvaluatorPage):
    form = await request.form()
    payload = {k: form.get(k, "").strip() for k in ("period", "title", "indicator_set_version")}
    payload = {k: v for k, v in payload.items() if v}
    reply = await call(request, "evaluation", "POST", "/evaluations", json=payload, actor=actor)
    if reply.status != 201:
        return _message(request, reply, "New comprehensive evaluation")
    return _see_other(f"/staff/evaluation/evaluations/{reply.body['id']}")


async def _evaluation_page(request: Request, actor: Actor, evaluation_id: str,
                           status: int = 200, **context) -> HTMLResponse:
    lang = _page_lang(request)
    reply = await call(request, "evaluation", "GET", f"/evaluations/{evaluation_id}/radar.svg",
                       params={"lang": lang}, actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Comprehensive evaluation")
    return page(request, "evaluation/evaluation.html", status=status, actor=actor,
                evaluation=reply.body["evaluation"], svg=reply.body["svg"], names=lang,
                **context)


@pages.get("/staff/evaluation/evaluations/{evaluation_id}", response_class=HTMLResponse)
async def evaluation_page(request: Request, evaluation_id: str, actor: EvaluatorPage):
    return await _evaluation_page(request, actor, evaluation_id)


@pages.post("/staff/evaluation/evaluations/{evaluation_id}/assessments/{area}",
            response_class=HTMLResponse)
async def assess_form(request: Request, evaluation_id: str, area: str, actor: EvaluatorPage):
    form = await request.form()
    raw = form.get("score", "").strip().replace(",", ".")
    try:
        score: Any = float(raw)
    except ValueError:
        score = raw or None  # the service says what is wrong with it
    reply = await call(request, "evaluation", "PUT",
                       f"/evaluations/{evaluation_id}/assessments/{area}",
                       json={"score": score, "note": form.get("note", "")}, actor=actor)
    if reply.status == 200:
        return _see_other(f"/staff/evaluation/evaluations/{evaluation_id}#assess-{area}")
    return await _evaluation_page(request, actor, evaluation_id, status=reply.status,
                                  errors=reply.body, errors_for=area)


@pages.post("/staff/evaluation/evaluations/{evaluation_id}/publish",
            response_class=HTMLResponse)
async def publish_form(request: Request, evaluation_id: str, actor: EvaluatorPage):
    reply = await call(request, "evaluation", "POST", f"/evaluations/{evaluation_id}/publish",
                       actor=actor)
    if reply.status == 200:
        return _see_other(f"/staff/evaluation/evaluations/{evaluation_id}")
    return await _evaluation_page(request, actor, evaluation_id, status=reply.status,
                                  errors=reply.body, errors_for="publish")


@pages.get("/staff/evaluation/rebuilds", response_class=HTMLResponse)
async def rebuilds_page(request: Request,
                        actor: Annotated[Actor, Depends(require("admin", "evaluator",
                                                                page=True))]):
    reply = await call(request, "evaluation", "GET", "/rebuilds", actor=actor)
    if reply.status != 200:
        return _message(request, reply, "Rebuilds of the evaluation projection")
    return page(request, "evaluation/rebuilds.html", actor=actor,
                rebuilds=reply.body["rebuilds"], may_start=actor.has("admin"))


@pages.post("/staff/evaluation/rebuilds", response_class=HTMLResponse)
async def start_rebuild_form(request: Request,
                             actor: Annotated[Actor, Depends(require("admin", page=True))]):
    form = await request.form()
    reply = await call(request, "evaluation", "POST", "/rebuilds", actor=actor,
                       json={"take_over": form.get("take_over") == "true"})
    if reply.status not in (201, 202):
        return _message(request, reply, "Rebuilds of the evaluation projection")
    return _see_other("/staff/evaluation/rebuilds")


router.include_router(pages)
