"""The feedback service's internal HTTP API: plain handler functions over a Router.

Reached only through the gateway, which passes a checked staff member as actor headers and
a participant id only after the contact registry issued it."""

from services.common.actor import Actor, Forbidden, require_actor
from services.common.context import ServiceContext
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.feedback import domain, queries, repository
from services.feedback.documents import AnswerTimeDocument, FeedbackDocument, from_document
from services.feedback.repository import save

router = Router()
add_health_routes(router)

STAFF = ("staff", "coordinator")


def _submission(request: Request) -> tuple[dict, dict]:
    """The payload and who it comes from: the public, or staff entering it for a resident."""
    payload = dict(request.json_object())
    options = {"participant_id": payload.pop("participant_id", None)}
    if Actor.from_headers(request.headers) is not None:
        options["entered_by"] = require_actor(request.headers, *STAFF).id
    return payload, options


def create(payload: dict, options: dict, ctx: ServiceContext,
           correlation_id: str) -> domain.Feedback:
    for _attempt in range(3):  # a receipt code collision is retried with a fresh code
        feedback = domain.submit(payload, now=ctx.clock(), **options)
        try:
            save(feedback, ctx, correlation_id)
        except Conflict:
            continue
        return feedback
    raise Conflict("Could not allocate a receipt code; please retry.")


@router.route("POST", "/feedback")
def submit_feedback(request: Request, ctx: ServiceContext) -> Response:
    payload, options = _submission(request)
    feedback = create(payload, options, ctx, request.correlation_id)
    return Response(201, {
        "id": feedback.id,
        "receipt_code": feedback.receipt_code,
        "status": feedback.status,
        "status_url": f"/api/v1/feedback/receipts/{feedback.receipt_code}",
    })


@router.route("POST", "/feedback/validate")
def validate_feedback(request: Request, ctx: ServiceContext) -> Response:
    """The same checks as a submission, storing nothing: lets the gateway report every
    invalid field at once when it also registers a contact."""
    payload, options = _submission(request)
    domain.submit(payload, now=ctx.clock(), **options)
    return Response(200, {"valid": True})


@router.route("GET", "/feedback/receipts/{code}")
def follow_by_receipt(request: Request, ctx: ServiceContext) -> Response:
    code = request.params["code"].upper()
    if not domain.RECEIPT_PATTERN.match(code):
        raise ValidationFailed({"receipt_code": "must look like KL-XXXX-XXXX"})
    doc = FeedbackDocument.objects(receipt_code=code).first()
    if doc is None:
        raise NotFound(f"No feedback with receipt code {code}.")
    feedback = from_document(doc)
    original = queries.originals_of([feedback]).get(feedback.duplicate_of)
    return Response(200, domain.public_view(
        feedback, repository.answer_times(ctx.settings), original))


# -- staff ------------------------------------------------------------------------------

@router.route("GET", "/feedback")
def staff_inbox(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, *STAFF)
    return Response(200, queries.inbox(request.query, actor, ctx.clock(),
                                       repository.answer_times(ctx.settings)))


def _visible(feedback: domain.Feedback, actor: Actor) -> domain.Feedback:
    if not actor.may_see_unit(feedback.unit):
        raise Forbidden("This feedback belongs to another unit.")
    return feedback


def _detail(feedback: domain.Feedback, ctx: ServiceContext) -> Response:
    return Response(200, domain.staff_view(feedback, ctx.clock(),
                                           repository.answer_times(ctx.settings)))


@router.route("GET", "/feedback/{id}")
def staff_detail(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, *STAFF)
    feedback, _version = repository.load(request.params["id"])
    return _detail(_visible(feedback, actor), ctx)


def _staff_command(request: Request, ctx: ServiceContext, command) -> Response:
    """Runs `command(feedback, actor, body, now)` on a feedback the actor may see."""
    actor = require_actor(request.headers, *STAFF)
    body = request.json_object() if request.body is not None else {}
    now = ctx.clock()
    feedback, _result = repository.change(
        request.params["id"],
        lambda feedback: command(_visible(feedback, actor), actor, body, now),
        ctx, request.correlation_id)
    return _detail(feedback, ctx)


@router.route("POST", "/feedback/{id}/assign")
def assign(request: Request, ctx: ServiceContext) -> Response:
    return _staff_command(request, ctx, lambda feedback, actor, body, now: feedback.assign(
        body.get("unit"), actor=actor.id, now=now))


@router.route("POST", "/feedback/{id}/answer")
def answer(request: Request, ctx: ServiceContext) -> Response:
    times = repository.answer_times(ctx.settings)
    return _staff_command(request, ctx, lambda feedback, actor, body, now: feedback.answer(
        body.get("text"), body.get("public"), actor=actor.id, actor_unit=actor.unit, now=now,
        times=times))


@router.route("POST", "/feedback/{id}/link")
def link_to_project(request: Request, ctx: ServiceContext) -> Response:
    return _staff_command(request, ctx, lambda feedback, actor, body, now: feedback.link_project(
        body.get("project_id"), actor=actor.id, now=now))


@router.route("POST", "/feedback/{id}/duplicate")
def mark_duplicate(request: Request, ctx: ServiceContext) -> Response:
    def command(feedback, actor, body, now):
        original_id = body.get("duplicate_of")
        if not isinstance(original_id, str) or not original_id:
            raise ValidationFailed({"duplicate_of": "is required: the original feedback's id"})
        try:
            original, _version = repository.load(original_id)
        except NotFound:
            raise ValidationFailed({"duplicate_of": f"no feedback {original_id}"}) from None
        feedback.mark_duplicate(original, actor=actor.id, now=now)

    return _staff_command(request, ctx, command)


@router.route("POST", "/feedback/{id}/close")
def close(request: Request, ctx: ServiceContext) -> Response:
    return _staff_command(request, ctx, lambda feedback, actor, body, now: feedback.close(
        actor=actor.id, now=now))


# -- expected answer times ----------------------------------------------------------------

@router.route("GET", "/answer-times")
def list_answer_times(request: Request, ctx: ServiceContext) -> Response:
    require_actor(request.headers, *STAFF)
    times = repository.answer_times(ctx.settings)
    return Response(200, {"default_days": times.default_days,
                          "units": dict(sorted(times.by_unit.items()))})


@router.route("PUT", "/answer-times/{unit}")
def set_answer_time(request: Request, ctx: ServiceContext) -> Response:
    actor = require_actor(request.headers, "coordinator")
    unit = request.params["unit"]
    errors = {}
    if not domain.UNIT_PATTERN.match(unit):
        errors["unit"] = "must be a unit code such as urban-environment"
    try:
        days = domain.parse_answer_days(request.json_object().get("days"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    AnswerTimeDocument(unit=unit, days=days, updated_at=ctx.clock(), updated_by=actor.id).save()
    return Response(200, {"unit": unit, "days": days})
