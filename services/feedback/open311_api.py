"""Open311 GeoReport v2 on the feedback service's internal API, and its API keys.

The gateway serves these under /open311/v2/ as JSON or XML and turns errors into the
spec's `errors[]{code, description}`; here every answer is plain JSON."""

import os

from services.common.actor import Forbidden, require_actor
from services.common.context import ServiceContext
from services.common.errors import NotFound, ValidationFailed
from services.common.httpapi import Request, Response
from services.feedback import apikeys, domain, open311, queries, repository
from services.feedback.api import create, router
from services.feedback.documents import FeedbackDocument


def _setting(ctx: ServiceContext, name: str, default: str) -> str:
    return ctx.settings.get(name) or os.environ.get(name) or default


@router.route("GET", "/open311/discovery")
def discovery(request: Request, ctx: ServiceContext) -> Response:
    return Response(200, open311.discovery(
        url=request.query.get("url", ""),
        contact=_setting(ctx, "KUULTU_OPEN311_CONTACT",
                         "City of Lahti, resident participation: https://www.lahti.fi/"),
        key_service=_setting(ctx, "KUULTU_OPEN311_KEY_SERVICE",
                             "API keys are issued by the city's kuultu administrators."),
        endpoint_type=_setting(ctx, "KUULTU_OPEN311_ENDPOINT_TYPE", "production"),
    ))


@router.route("GET", "/open311/services")
def service_list(request: Request, ctx: ServiceContext) -> Response:
    return Response(200, open311.services(open311.locale_of(request.query.get("locale"))))


@router.route("GET", "/open311/services/{code}")
def service_definition(request: Request, ctx: ServiceContext) -> Response:
    return Response(200, open311.definition(
        request.params["code"], open311.locale_of(request.query.get("locale"))))


@router.route("POST", "/open311/requests")
def post_request(request: Request, ctx: ServiceContext) -> Response:
    """Body: {"fields": <the client's form>, "participant_id"?: ..., "dry_run"?: true}.
    A dry run checks the key and the fields and stores nothing."""
    body = request.json_object()
    fields = body.get("fields") if isinstance(body.get("fields"), dict) else {}
    client = apikeys.verify(fields.get("api_key"))
    if client is None:
        raise Forbidden("api_key is missing or invalid; ask the city for an Open311 API key.")
    payload, reasons = open311.submission(fields)
    options = {"participant_id": body.get("participant_id"), "open311_client": client.name}
    try:
        domain.submit(payload, now=ctx.clock(), **options)  # checks only: stores nothing
    except ValidationFailed as exc:
        reasons = {**open311.wire_names(exc.fields), **reasons}
    if reasons:
        raise ValidationFailed(reasons)
    if body.get("dry_run"):
        return Response(200, [])
    return Response(200, open311.created(create(payload, options, ctx, request.correlation_id)))


def _views(items: list[domain.Feedback], request: Request, ctx: ServiceContext) -> list[dict]:
    times = repository.answer_times(ctx.settings)
    locale = open311.locale_of(request.query.get("locale"))
    originals = queries.originals_of(items)
    return [open311.request_view(f, times, locale, originals.get(f.duplicate_of))
            for f in items]


@router.route("GET", "/open311/requests")
def get_requests(request: Request, ctx: ServiceContext) -> Response:
    filters = open311.request_filters(request.query, ctx.clock())
    return Response(200, _views(queries.open311_requests(filters, open311.MAX_REQUESTS),
                                request, ctx))


@router.route("GET", "/open311/requests/{id}")
def get_request(request: Request, ctx: ServiceContext) -> Response:
    try:
        feedback, _version = repository.load(request.params["id"])
    except NotFound:
        raise NotFound(f"service_request_id {request.params['id']} was not found") from None
    return Response(200, _views([feedback], request, ctx))


@router.route("GET", "/open311/tokens/{token}")
def get_token(request: Request, ctx: ServiceContext) -> Response:
    token = request.params["token"]
    doc = FeedbackDocument.objects(open311_token=token).only("id").first()
    if doc is None:
        raise NotFound(f"token {token} was not found")
    return Response(200, [{"service_request_id": doc.id, "token": token}])


# -- API keys (administrators) ------------------------------------------------------------

@router.route("POST", "/open311/keys")
def create_key(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, "admin")
    description, key = apikeys.create(request.json_object().get("name"), now=ctx.clock(),
                                      created_by=actor.id)
    return Response(201, {**description, "api_key": key,
                          "notice": "Shown once: only its hash is stored."})


@router.route("GET", "/open311/keys")
def list_keys(request: Request, ctx: ServiceContext) -> Response:
    require_actor(request.headers, "admin")
    return Response(200, {"keys": apikeys.listing()})


@router.route("DELETE", "/open311/keys/{id}")
def revoke_key(request: Request, ctx: ServiceContext) -> Response:
    require_actor(request.headers, "admin")
    return Response(200, apikeys.revoke(request.params["id"], now=ctx.clock()))
