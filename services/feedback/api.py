"""The feedback service's internal HTTP API: plain handler functions over a Router."""

from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.outbox import save_with_events
from services.common.standard_routes import add_health_routes
from services.feedback import domain
from services.feedback.documents import FeedbackDocument, from_document, to_document

router = Router()
add_health_routes(router)


def save(feedback: domain.Feedback, ctx: ServiceContext, correlation_id: str, version=0) -> None:
    events = [
        new_event(name, data, service=ctx.service, subject=feedback.id,
                  correlation_id=correlation_id)
        for name, data in feedback.events
    ]
    save_with_events(to_document(feedback, version), events, ctx.topic)
    feedback.events.clear()
    ctx.after_write()


@router.route("POST", "/feedback")
def submit_feedback(request: Request, ctx: ServiceContext) -> Response:
    payload = request.json_object()
    for _attempt in range(3):  # a receipt code collision is retried with a fresh code
        feedback = domain.submit(payload, now=ctx.clock())
        try:
            save(feedback, ctx, request.correlation_id)
        except Conflict:
            continue
        return Response(201, {
            "id": feedback.id,
            "receipt_code": feedback.receipt_code,
            "status": feedback.status,
            "status_url": f"/api/v1/feedback/receipts/{feedback.receipt_code}",
        })
    raise Conflict("Could not allocate a receipt code; please retry.")


@router.route("GET", "/feedback/receipts/{code}")
def follow_by_receipt(request: Request, ctx: ServiceContext) -> Response:
    code = request.params["code"].upper()
    if not domain.RECEIPT_PATTERN.match(code):
        raise ValidationFailed({"receipt_code": "must look like KL-XXXX-XXXX"})
    doc = FeedbackDocument.objects(receipt_code=code).first()
    if doc is None:
        raise NotFound(f"No feedback with receipt code {code}.")
    return Response(200, domain.public_view(from_document(doc)))
