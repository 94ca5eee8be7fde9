"""From events to queued messages on the embedded store: who is told, once per person per
trigger however often an event is delivered, and only with consent."""

import uuid
from datetime import UTC, datetime

import pytest

from services.common.context import ServiceContext
from services.common.envelope import new_event
from services.common.topology import NOTIFICATIONS_TOPIC
from services.notifications import contacts, domain
from services.notifications.documents import (
    ContactDocument,
    MessageDocument,
    ParticipationDocument,
    contact_document,
)
from services.notifications.wiring import wiring

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PROJECT = str(uuid.uuid4())


@pytest.fixture
def ctx(embedded_store):
    return ServiceContext(service="notifications", topic=NOTIFICATIONS_TOPIC, clock=lambda: NOW)


def contact(**payload) -> str:
    registered = contacts.register({"email": f"{uuid.uuid4().hex[:8]}@example.fi", **payload},
                                   now=NOW)
    contact_document(registered).save(force_insert=True)
    return registered.participant_id


def joined(pid: str, at: str = "2026-10-05T17:00:00Z", via: str = "session", project=PROJECT):
    return new_event("ParticipantJoined", {"project_id": project, "participant_id": pid,
                                           "via": via, "joined_at": at},
                     service="projects", subject=project, correlation_id="c")


def impact(project=PROJECT, areas=("keskusta",), at="2027-03-01T09:00:00Z"):
    return new_event("ImpactCommunicated", {
        "project_id": project, "unit": "urban-environment", "title": "Kauppatori",
        "areas": list(areas), "impact_statement": "40 benches.", "participant_count": 3,
        "communicated_at": at}, service="projects", subject=project, correlation_id="c")


def results(project=PROJECT, areas=("keskusta",)):
    return new_event("ResultsPublished", {
        "project_id": project, "unit": "urban-environment", "title": "Kauppatori",
        "areas": list(areas), "summary": "Trees and benches.",
        "published_at": "2026-10-20T09:00:00Z"},
        service="projects", subject=project, correlation_id="c")


def handle(ctx, *events):
    for event in events:
        wiring.handle(event, ctx)


def queued_for(event) -> dict[str, MessageDocument]:
    return {m.participant_id: m for m in MessageDocument.objects(trigger_event_id=event.id)}


def test_impact_is_queued_for_every_participant_once_even_when_redelivered(ctx):
    people = [contact(consents={"impact": True}) for _ in range(3)]
    handle(ctx, *[joined(p) for p in people], *[joined(p) for p in people])  # twice
    event = impact()
    handle(ctx, event, event, event)
    queued = queued_for(event)
    assert set(queued) == set(people)
    assert MessageDocument.objects.count() == 3
    for pid, message in queued.items():
        assert message.id == domain.message_id(event.id, pid)
        assert (message.trigger, message.purpose, message.status) == (
            "ImpactCommunicated", "impact", "queued")
        assert message.project_id == PROJECT and message.unit == "urban-environment"
        assert message.context["impact_statement"] == "40 benches."
    assert ParticipationDocument.objects.count() == 3


def test_nobody_is_told_without_consent_or_contact(ctx):
    consented = contact(consents={"impact": True})
    answer_only = contact(consents={"answer": True})
    unknown = "p-" + uuid.uuid4().hex
    handle(ctx, joined(consented), joined(answer_only), joined(unknown))
    event = impact()
    handle(ctx, event)
    assert set(queued_for(event)) == {consented}


def test_feedback_linked_to_a_project_counts_as_taking_part(ctx):
    pid = contact(consents={"results": True})
    feedback_id = str(uuid.uuid4())
    received = new_event("FeedbackReceived", {
        "feedback_id": feedback_id, "kind": "idea", "channel": "omalahti", "area": "keskusta",
        "language": "fi", "project_id": PROJECT, "participant_id": pid,
        "received_at": "2026-10-01T10:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id="c")
    unlinked = new_event("FeedbackReceived", {
        "feedback_id": feedback_id, "kind": "idea", "channel": "omalahti", "area": "keskusta",
        "language": "fi", "participant_id": contact(consents={"results": True}),
        "received_at": "2026-10-01T10:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id="c")
    handle(ctx, received, unlinked)
    event = results()
    handle(ctx, event)
    assert set(queued_for(event)) == {pid}
    assert ParticipationDocument.objects.get(participant_id=pid).via == ["feedback"]


def test_someone_who_joined_after_the_publication_is_not_told_about_it(ctx):
    early, late = contact(consents={"impact": True}), contact(consents={"impact": True})
    handle(ctx, joined(early, "2027-02-01T10:00:00Z"), joined(late, "2027-03-02T10:00:00Z"))
    event = impact(at="2027-03-01T09:00:00Z")
    handle(ctx, event)
    assert set(queued_for(event)) == {early}


def test_a_participant_whose_event_arrives_after_the_publication_is_still_told(ctx):
    """Participation comes from other topics than the publication: the order may differ."""
    pid = contact(consents={"impact": True})
    event = impact()
    handle(ctx, event)
    assert queued_for(event) == {}
    handle(ctx, joined(pid), joined(pid, via="survey"))
    queued = queued_for(event)
    assert set(queued) == {pid}
    assert queued[pid].id == domain.message_id(event.id, pid)
    handle(ctx, event)  # and a redelivery of the publication changes nothing
    assert MessageDocument.objects.count() == 1
    assert sorted(ParticipationDocument.objects.get(participant_id=pid).via) == [
        "session", "survey"]


def test_the_earliest_participation_time_counts(ctx):
    pid = contact(consents={"impact": True})
    handle(ctx, joined(pid, "2027-03-05T10:00:00Z"), joined(pid, "2027-02-01T10:00:00Z"))
    event = impact(at="2027-03-01T09:00:00Z")
    handle(ctx, event)
    assert set(queued_for(event)) == {pid}


def test_area_subscribers_hear_what_happens_in_their_area(ctx):
    participant = contact(consents={"results": True, "area_updates": True}, areas=["keskusta"])
    neighbour = contact(consents={"area_updates": True}, areas=["keskusta", "itainen"])
    elsewhere = contact(consents={"area_updates": True}, areas=["pohjoinen"])
    by_topic = contact(consents={"area_updates": True}, topics=["urban-environment"])
    not_consenting = contact(consents={"area_updates": False}, areas=["keskusta"])
    pending = contacts.subscribe({"email": "new@example.fi", "areas": ["keskusta"]}, now=NOW)
    contact_document(pending).save(force_insert=True)
    handle(ctx, joined(participant))
    event = results(areas=["keskusta"])
    handle(ctx, event)
    queued = queued_for(event)
    assert {pid: m.trigger for pid, m in queued.items()} == {
        participant: "ResultsPublished", neighbour: "AreaUpdate", by_topic: "AreaUpdate"}
    assert queued[neighbour].template == "area_update"
    assert queued[neighbour].purpose == "area_updates"
    assert elsewhere not in queued and not_consenting not in queued


def test_the_answered_resident_and_the_applicant_are_told(ctx):
    resident = contact(consents={"answer": True})
    applicant = contact(consents={"decision": True})
    feedback_id, application_id = str(uuid.uuid4()), str(uuid.uuid4())
    answered = new_event("FeedbackAnswered", {
        "feedback_id": feedback_id, "answer_id": str(uuid.uuid4()), "kind": "idea",
        "area": "itainen", "unit": "urban-environment", "language": "fi",
        "participant_id": resident, "public": True, "received_at": "2026-11-29T10:15:00Z",
        "answered_at": "2026-12-03T08:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id="c")
    anonymous = new_event("FeedbackAnswered", {**answered.data, "participant_id": None},
                          service="feedback", subject=feedback_id, correlation_id="c")
    decided = new_event("ApplicationDecided", {
        "application_id": application_id, "call_id": str(uuid.uuid4()),
        "body_id": "table-itainen", "decision": "reserve", "reserve_rank": 2,
        "age_band": "30-44", "area": "itainen", "represents": "resident",
        "participant_id": applicant, "decided_at": "2026-12-15T12:00:00Z"},
        service="tables", subject=application_id, correlation_id="c")
    handle(ctx, answered, anonymous, decided, answered)
    assert {m.participant_id: (m.trigger, m.purpose) for m in MessageDocument.objects} == {
        resident: ("FeedbackAnswered", "answer"), applicant: ("ApplicationDecided", "decision")}
    assert MessageDocument.objects.get(participant_id=resident).unit == "urban-environment"


def test_table_members_are_told_the_answer_to_their_statement(ctx):
    members = [contact(consents={"answer": True}) for _ in range(2)]
    silent = contact(consents={})
    statement_id = str(uuid.uuid4())
    answered = new_event("StatementAnswered", {
        "statement_id": statement_id, "body_id": "table-keskusta", "answered_by": "city board",
        "answer_summary": "Two raised crossings in 2027.", "member_ids": [*members, silent],
        "answered_at": "2026-11-10T10:00:00Z"}, service="tables", subject=statement_id,
        correlation_id="c")
    handle(ctx, answered, answered)
    queued = queued_for(answered)
    assert set(queued) == set(members)
    assert all("member_ids" not in m.context for m in queued.values())


def test_a_contact_erased_before_the_event_gets_nothing(ctx):
    pid = contact(consents={"impact": True})
    handle(ctx, joined(pid))
    ContactDocument.objects(participant_id=pid).delete()
    event = impact()
    handle(ctx, event)
    assert queued_for(event) == {}


def test_the_delivery_worker_is_woken_only_when_messages_were_queued(embedded_store):
    woken = []
    ctx = ServiceContext(service="notifications", topic=NOTIFICATIONS_TOPIC, clock=lambda: NOW,
                         wake=woken.append)
    resident = contact(consents={"answer": True})
    late_joiner = contact(consents={"impact": True})
    feedback_id = str(uuid.uuid4())
    answered = new_event("FeedbackAnswered", {
        "feedback_id": feedback_id, "answer_id": str(uuid.uuid4()), "kind": "idea",
        "area": "itainen", "unit": "urban-environment", "language": "fi",
        "participant_id": resident, "public": True, "received_at": "2026-11-29T10:15:00Z",
        "answered_at": "2026-12-03T08:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id="c")
    handle(ctx, answered)
    assert woken == ["delivery"]
    handle(ctx, answered)  # a redelivery queues nothing new
    assert woken == ["delivery"]
    handle(ctx, impact())  # nobody had taken part yet
    assert woken == ["delivery"]
    handle(ctx, joined(late_joiner))  # joined before the impact was told: queued on joining
    assert woken == ["delivery", "delivery"]
