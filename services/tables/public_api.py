"""What anyone may do: read bodies, calls, statements and meetings; apply; withdraw."""

import pymongo.errors
from mongoengine.errors import NotUniqueError

from services.common.context import ServiceContext
from services.common.errors import TransientError, ValidationFailed
from services.common.httpapi import Request, Response
from services.tables import applications, repository
from services.tables.calls import STATUSES, local_today
from services.tables.documents import ApplicantKeyDocument, MeetingDocument, from_document
from services.tables.work import Meeting


def _term(body_id: str, today) -> dict | None:
    current, _ = repository.current_selection(body_id, today)
    if current is None:
        return None
    listed = []
    active = current.active_members()
    people = repository.applications_by_id(m["application_id"] for m in active)
    for member in active:
        person = people.get(member["application_id"])
        # Named only with the member's own consent: minors and adults alike.
        if person and person.public_listing and person.name:
            listed.append({"name": person.name, "represents": person.represents,
                           "organisation": person.organisation, "since": member["since"]})
    return {"term_start": current.term_start.isoformat(), "term_end": current.term_end.isoformat(),
            "decision_date": current.decision_date.isoformat(),
            "decision_reference": current.decision_reference, "member_count": len(active),
            "members_listed": sorted(listed, key=lambda m: m["name"]),
            "members_not_listed": len(active) - len(listed)}


def list_bodies(request: Request, ctx: ServiceContext) -> Response:
    kind = request.query.get("kind")
    bodies = [b for b in repository.load_bodies().values() if b.active]
    if kind:
        bodies = [b for b in bodies if b.kind == kind]
    return Response(200, {"bodies": [b.public_view() for b in bodies]})


def get_body(request: Request, ctx: ServiceContext) -> Response:
    body = repository.body(request.params["body_id"])
    today = local_today(ctx.clock())
    open_calls = [c.id for c in repository.calls()
                  if body.id in c.body_ids and c.status(today) == "open"]
    return Response(200, {**body.public_view(), "current_term": _term(body.id, today),
                          "open_calls": open_calls})


def list_calls(request: Request, ctx: ServiceContext) -> Response:
    status = request.query.get("status") or "all"
    if status not in (*STATUSES, "all"):
        raise ValidationFailed({"status": f"must be one of: {', '.join(STATUSES)}, all"})
    today = local_today(ctx.clock())
    bodies = repository.load_bodies()
    found = [c.view(today, bodies) for c in repository.calls()
             if status == "all" or c.status(today) == status]
    return Response(200, {"calls": found})


def get_call(request: Request, ctx: ServiceContext) -> Response:
    call = repository.call(request.params["call_id"])
    bodies = repository.load_bodies()
    view = call.view(local_today(ctx.clock()), bodies)
    view["bodies"] = [bodies[b].public_view() for b in call.body_ids if b in bodies]
    return Response(200, view)


def _checked(request: Request, ctx: ServiceContext):
    """The call, the validated application and its body: every refusal has its reason."""
    call = repository.call(request.params["call_id"])
    today = local_today(ctx.clock())
    applications.check_open(call, today)
    given = applications.parse(request.json_object(), call, today=today)
    bodies = repository.load_bodies()
    applications.check_eligibility(given, call, bodies.get(given.body_id))
    return call, given


def validate_application(request: Request, ctx: ServiceContext) -> Response:
    """Everything a submission would check except duplicates; stores nothing. The gateway
    asks this before it registers the applicant's contact details."""
    _call, given = _checked(request, ctx)
    return Response(200, {"eligible": True, "body_id": given.body_id})


def submit_application(request: Request, ctx: ServiceContext) -> Response:
    call, given = _checked(request, ctx)
    code = applications.new_withdrawal_code()
    application = applications.submit(given, call, now=ctx.clock(), withdrawal_code=code)
    key = applications.person_key(call.id, given.name, given.date_of_birth)
    _claim(key, application.id)
    try:
        repository.save(application, ctx, request.correlation_id)
    except Exception:
        ApplicantKeyDocument.objects(id=key).delete()  # not stored: the person may retry
        raise
    return Response(201, {
        "id": application.id, "call_id": call.id, "body_id": application.body_id,
        "status": application.status, "age_band": application.age_band,
        "withdrawal_code": code,
        "withdraw_url": f"/api/v1/applications/{application.id}/withdraw",
        "closes_on": call.closes_on.isoformat(),
    })


def _claim(key: str, application_id: str) -> None:
    """Takes the duplicate guard for this person and call, or refuses: it is free when its
    application is gone or withdrawn (left behind by a failed write)."""
    existing = ApplicantKeyDocument.objects(id=key).first()
    if existing is not None:
        holder = repository.applications_by_id([existing.application_id]).get(
            existing.application_id)
        if holder is not None and holder.status == "submitted":
            raise applications.DuplicateApplication(
                "This person has applied in this call already.",
                fields={"name": "an application with the same name and date of birth is in "
                                "this call already; withdraw it first to apply again"})
        existing.delete()
    try:
        ApplicantKeyDocument(id=key, application_id=application_id).save(force_insert=True)
    except (NotUniqueError, pymongo.errors.DuplicateKeyError) as exc:
        raise applications.DuplicateApplication(
            "This person has applied in this call already.",
            fields={"name": "an application with the same name and date of birth is in this "
                            "call already"}) from exc
    except pymongo.errors.ConnectionFailure as exc:
        raise TransientError(f"database unavailable: {exc}") from exc


def withdraw_application(request: Request, ctx: ServiceContext) -> Response:
    code = request.json_object().get("withdrawal_code")
    if not isinstance(code, str) or not applications.WITHDRAWAL_CODE.match(code.strip().upper()):
        raise ValidationFailed({"withdrawal_code": "must look like XXXX-XXXX-XXXX"})
    application, version = repository.application(request.params["application_id"])
    participant_id = application.participant_id
    application.withdraw(code, repository.call(application.call_id), ctx.clock())
    repository.store_anonymised(application, version)
    # participant_id goes to the gateway only, which erases the contact it registered.
    return Response(200, {"id": application.id, "status": application.status,
                          "participant_id": participant_id})


def list_statements(request: Request, ctx: ServiceContext) -> Response:
    body_id = request.query.get("body_id")
    if body_id:
        repository.body(body_id)
    return Response(200, {"statements": [s.view() for s in repository.statements(body_id)]})


def get_statement(request: Request, ctx: ServiceContext) -> Response:
    statement, _ = repository.statement(request.params["statement_id"])
    return Response(200, statement.view())


def list_meetings(request: Request, ctx: ServiceContext) -> Response:
    body = repository.body(request.params["body_id"])
    meetings = sorted((from_document(d, Meeting) for d in MeetingDocument.objects(body_id=body.id)),
                      key=lambda m: m.held_on, reverse=True)
    return Response(200, {"body_id": body.id, "meetings": [m.view() for m in meetings]})


ROUTES = [
    ("GET", "/bodies", list_bodies),
    ("GET", "/bodies/{body_id}", get_body),
    ("GET", "/bodies/{body_id}/meetings", list_meetings),
    ("GET", "/calls", list_calls),
    ("GET", "/calls/{call_id}", get_call),
    ("POST", "/calls/{call_id}/applications/validate", validate_application),
    ("POST", "/calls/{call_id}/applications", submit_application),
    ("POST", "/applications/{application_id}/withdraw", withdraw_application),
    ("GET", "/statements", list_statements),
    ("GET", "/statements/{statement_id}", get_statement),
]
