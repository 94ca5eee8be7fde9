"""Rebuilds over HTTP (admin role): start one, follow its progress.

On the real stack the replay runs in the background of this service process (a green thread
under nameko) and the run's document shows its progress; in the embedded default it reads the
in-process bus within the request, which holds the store's lock, so nothing else writes
meanwhile."""

import threading

import structlog

from services.common.actor import require_actor
from services.common.config import KafkaSettings
from services.common.context import ServiceContext
from services.common.errors import NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.topology import SERVICES
from services.evaluation import rebuild
from services.evaluation.documents import RebuildRun
from services.evaluation.replay import BusReplay, KafkaReplay

log = structlog.get_logger(__name__)


def replay_source(ctx: ServiceContext):
    topics = list(SERVICES["evaluation"].consumes)
    if ctx.bus is not None:
        return BusReplay(ctx.bus, topics)
    return KafkaReplay(KafkaSettings.from_mapping(ctx.settings), topics)


def _flags(body) -> dict[str, bool]:
    body = body if body is not None else {}
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    errors = {name: "unknown field" for name in set(body) - {"take_over", "allow_truncated"}}
    flags = {}
    for name in ("take_over", "allow_truncated"):
        value = body.get(name, False)
        if not isinstance(value, bool):
            errors[name] = "must be true or false"
        flags[name] = value is True
    if errors:
        raise ValidationFailed(errors)
    return flags


def _view(run: RebuildRun) -> dict:
    return {**run.view(), "stale": rebuild.is_stale(run)}


def _run_in_background(run: RebuildRun, source, allow_truncated: bool) -> None:
    def work():
        try:
            rebuild.run(run, source, allow_truncated=allow_truncated)
        except Exception:  # recorded on the run; the service carries on
            log.exception("rebuild_failed_in_background", rebuild=run.id)

    threading.Thread(target=work, name=f"rebuild-{run.id}", daemon=True).start()


def add_routes(router: Router) -> None:
    @router.route("POST", "/rebuilds")
    def start_rebuild(request: Request, ctx: ServiceContext) -> Response:
        actor = require_actor(request.headers, "admin")
        flags = _flags(request.body)
        source = replay_source(ctx)
        run = rebuild.start(source, started_by=actor.id, take_over=flags["take_over"])
        if ctx.bus is not None:
            rebuild.run(run, source, allow_truncated=flags["allow_truncated"])
        else:
            _run_in_background(run, source, flags["allow_truncated"])
        # 202 either way: the run's status says whether it is still running.
        return Response(202, _view(run))

    @router.route("GET", "/rebuilds")
    def list_rebuilds(request: Request, ctx: ServiceContext) -> Response:
        require_actor(request.headers, "admin", "evaluator")
        return Response(200, {"rebuilds": [_view(r) for r in RebuildRun.objects.limit(20)]})

    @router.route("GET", "/rebuilds/{id}")
    def get_rebuild(request: Request, ctx: ServiceContext) -> Response:
        require_actor(request.headers, "admin", "evaluator")
        run = RebuildRun.objects(id=request.params["id"]).first()
        if run is None:
            raise NotFound(f"No rebuild {request.params['id']}.")
        return Response(200, _view(run))
