"""Coordinators' operations: bodies, calls, applications, selection, decision, members,
statements and meetings. Every handler checks the role; personal data is only shown here."""

from collections import Counter

from services.common.actor import require_actor
from services.common.context import ServiceContext
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.httpapi import Request, Response
from services.tables import bodies as bodies_model
from services.tables import calls as calls_model
from services.tables import repository, retention, selection, work
from services.tables.calls import local_today
from services.tables.documents import ApplicationDocument, to_document
from services.tables.documents import MeetingDocument as MeetingDoc

ROLE = "coordinator"  # admin always passes too


def _coordinator(request: Request):
    return require_actor(request.headers, ROLE)


# -- bodies ------------------------------------------------------------------------------
def create_body(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    body = bodies_model.parse_body(request.json_object())
    if body.id in repository.load_bodies():
        raise Conflict(f"A body {body.id!r} exists already; change it with PUT.")
    repository.store_body(body)
    return Response(201, body.public_view())


def update_body(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    existing = repository.body(request.params["body_id"])
    body = bodies_model.parse_body(request.json_object(), existing=existing)
    repository.store_body(body)
    return Response(200, body.public_view())


# -- calls and applications --------------------------------------------------------------
def create_call(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    bodies = repository.load_bodies()
    now = ctx.clock()
    call = calls_model.open_call(request.json_object(), bodies=bodies, now=now, actor=actor.id)
    repository.store_call(call)
    return Response(201, call.view(local_today(now), bodies))


def close_call(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    call = repository.call(request.params["call_id"])
    call.close(ctx.clock(), actor.id)
    repository.store_call(call)
    return Response(200, call.view(local_today(ctx.clock()), repository.load_bodies()))


def _application_counts(call_id: str) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {}
    rows = ApplicationDocument.objects(call_id=call_id).only("body_id", "status")
    for row in rows:
        counts.setdefault(row.body_id, Counter())[row.status] += 1
    return {body: dict(c) for body, c in counts.items()}


def staff_calls(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    today = local_today(ctx.clock())
    bodies = repository.load_bodies()
    decided = {(s.call_id, s.body_id): s.status for s, _ in repository.selections()}
    found = []
    for call in repository.calls():
        view = call.view(today, bodies)
        view["applications"] = _application_counts(call.id)
        view["selections"] = {b: decided.get((call.id, b)) for b in call.body_ids}
        found.append(view)
    return Response(200, {"calls": found})


def staff_call(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    call = repository.call(request.params["call_id"])
    bodies = repository.load_bodies()
    view = call.view(local_today(ctx.clock()), bodies)
    view["applications"] = _application_counts(call.id)
    view["selections"] = {}
    for body_id in call.body_ids:
        chosen, _ = repository.selection(call.id, body_id)
        view["selections"][body_id] = chosen.status if chosen else None
    view["history"] = list(call.history)
    return Response(200, view)


def list_applications(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    call = repository.call(request.params["call_id"])
    body_id = request.query.get("body_id")
    status = request.query.get("status") or "submitted"
    if status not in ("submitted", "withdrawn", "all"):
        raise ValidationFailed({"status": "must be one of: submitted, withdrawn, all"})
    found = repository.applications(call.id, body_id, None if status == "all" else status)
    outcomes = {}
    for body in {a.body_id for a in found}:
        chosen, _ = repository.selection(call.id, body)
        if chosen is not None:
            outcomes.update({a.id: chosen.outcome(a.id) for a in found if a.body_id == body})
    return Response(200, {"call_id": call.id, "applications": [
        {**a.staff_view(), "outcome": outcomes.get(a.id)} for a in found]})


def get_application(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    application, _ = repository.application(request.params["application_id"])
    chosen, _ = repository.selection(application.call_id, application.body_id)
    return Response(200, {**application.staff_view(),
                          "outcome": chosen.outcome(application.id) if chosen else None})


# -- selection and decision --------------------------------------------------------------
def _pool(call_id: str, body_id: str) -> list[dict]:
    return [selection.candidate(a) for a in repository.applications(call_id, body_id)]


def _with_names(chosen: selection.Selection) -> dict:
    """The proposal for staff: the report, plus who each applicant is."""
    view = chosen.view()
    people = repository.applications_by_id(c["id"] for c in chosen.pool)
    for row in view["report"]["applicants"]:
        person = people.get(row["application_id"])
        row["name"] = person.name if person else None
        row["minor"] = bool(person and person.is_minor)
    for member in view["members"]:
        person = people.get(member["application_id"])
        member["name"] = person.name if person else None
    return view


def propose_selection(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    payload = request.json_object()
    call = repository.call(request.params["call_id"])
    body_id = payload.get("body_id")
    if body_id not in call.body_ids:
        raise ValidationFailed({"body_id": f"must be one of the call's bodies: "
                                           f"{', '.join(call.body_ids)}"})
    body = repository.body(body_id)
    existing, version = repository.selection(call.id, body.id)
    chosen = selection.propose(payload, call=call, body=body, pool=_pool(call.id, body.id),
                               now=ctx.clock(), actor=actor.id, existing=existing)
    repository.save(chosen, ctx, request.correlation_id, version)
    return Response(201, _with_names(chosen))


def get_selection(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    chosen, _ = repository.selection(request.params["call_id"], request.params["body_id"])
    if chosen is None:
        raise NotFound("No selection has been proposed for this body in this call.")
    return Response(200, _with_names(chosen))


def decide_selection(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    call = repository.call(request.params["call_id"])
    chosen, version = repository.selection(call.id, request.params["body_id"])
    if chosen is None:
        raise NotFound("Propose a selection before recording the decision.")
    pool_ids = {c["id"] for c in _pool(call.id, chosen.body_id)}
    chosen.decide(request.json_object(), call=call, pool_ids=pool_ids, now=ctx.clock(),
                  actor=actor.id)
    repository.save(chosen, ctx, request.correlation_id, version)
    return Response(200, _with_names(chosen))


# -- members -----------------------------------------------------------------------------
def members(request: Request, ctx: ServiceContext) -> Response:
    _coordinator(request)
    body = repository.body(request.params["body_id"])
    current, _ = repository.current_selection(body.id, local_today(ctx.clock()))
    if current is None:
        return Response(200, {"body_id": body.id, "term": None, "members": [], "reserve": []})
    people = repository.applications_by_id(c["id"] for c in current.pool)

    def person(application_id: str) -> dict:
        found = people.get(application_id)
        return {"application_id": application_id, "name": found.name if found else None,
                "minor": bool(found and found.is_minor),
                "represents": found.represents if found else None,
                "organisation": found.organisation if found else None,
                "public_listing": bool(found and found.public_listing),
                "has_contact": bool(found and found.participant_id)}

    return Response(200, {
        "body_id": body.id, "call_id": current.call_id,
        "term": {"start": current.term_start.isoformat(), "end": current.term_end.isoformat()},
        "decision_reference": current.decision_reference,
        "members": [{**person(m["application_id"]), **{k: m[k] for k in (
            "since", "status", "left_on", "replaces", "replaced_by")}} for m in current.members],
        "reserve": [{**person(a), "rank": i} for i, a in enumerate(current.reserve, start=1)],
    })


def resign_member(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    body = repository.body(request.params["body_id"])
    application_id = request.params["application_id"]
    for chosen, version in repository.selections(body_id=body.id, status="decided"):
        if any(m["application_id"] == application_id and m["status"] == "active"
               for m in chosen.members):
            replacement = chosen.resign(application_id, request.json_object(), now=ctx.clock(),
                                        actor=actor.id)
            repository.save(chosen, ctx, request.correlation_id, version)
            return Response(200, {"resigned": application_id,
                                  "replaced_by": replacement.get("application_id"),
                                  "reserve_left": len(chosen.reserve)})
    raise NotFound("No active member with that application id in this body.")


# -- statements and meetings -------------------------------------------------------------
def submit_statement(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    body = repository.body(request.params["body_id"])
    statement = work.submit_statement(request.json_object(), body_id=body.id, now=ctx.clock(),
                                      actor=actor.id)
    repository.save(statement, ctx, request.correlation_id)
    return Response(201, statement.view())


def answer_statement(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    statement, version = repository.statement(request.params["statement_id"])
    current, _ = repository.current_selection(statement.body_id, local_today(ctx.clock()))
    member_ids = [m["participant_id"] for m in (current.active_members() if current else [])
                  if m.get("participant_id")]
    statement.record_answer(request.json_object(), member_ids=member_ids, now=ctx.clock(),
                            actor=actor.id)
    repository.save(statement, ctx, request.correlation_id, version)
    return Response(200, statement.view())


def record_meeting(request: Request, ctx: ServiceContext) -> Response:
    actor = _coordinator(request)
    body = repository.body(request.params["body_id"])
    meeting = work.record_meeting(request.json_object(), body_id=body.id, seats=body.seats,
                                  now=ctx.clock(), actor=actor.id)
    to_document(meeting, MeetingDoc).save(force_insert=True)
    return Response(201, meeting.view())


def purge_now(request: Request, ctx: ServiceContext) -> Response:
    """The retention run on demand (it also runs every hour)."""
    require_actor(request.headers, "admin")
    payload = request.body if isinstance(request.body, dict) else {}
    dry_run = payload.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ValidationFailed({"dry_run": "must be true or false"})
    return Response(200, retention.purge(ctx, dry_run=dry_run))


ROUTES = [
    ("POST", "/staff/bodies", create_body),
    ("PUT", "/staff/bodies/{body_id}", update_body),
    ("GET", "/staff/bodies/{body_id}/members", members),
    ("POST", "/staff/bodies/{body_id}/members/{application_id}/resign", resign_member),
    ("POST", "/staff/bodies/{body_id}/statements", submit_statement),
    ("POST", "/staff/bodies/{body_id}/meetings", record_meeting),
    ("POST", "/staff/statements/{statement_id}/answer", answer_statement),
    ("GET", "/staff/calls", staff_calls),
    ("POST", "/staff/calls", create_call),
    ("GET", "/staff/calls/{call_id}", staff_call),
    ("POST", "/staff/calls/{call_id}/close", close_call),
    ("GET", "/staff/calls/{call_id}/applications", list_applications),
    ("POST", "/staff/calls/{call_id}/selections", propose_selection),
    ("GET", "/staff/calls/{call_id}/selections/{body_id}", get_selection),
    ("POST", "/staff/calls/{call_id}/selections/{body_id}/decision", decide_selection),
    ("GET", "/staff/applications/{application_id}", get_application),
    ("POST", "/staff/retention/purge", purge_now),
]
