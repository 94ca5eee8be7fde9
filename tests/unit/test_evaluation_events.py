"""Builders of the events the evaluation reads, valid against their schemas (new_event
validates them), shared by the evaluation tests; and the facts the evaluation keeps of them."""

import uuid
from datetime import UTC, datetime, timedelta

from services.common.envelope import Event, iso, new_event
from services.evaluation.facts import READ_EVENTS, TIME_FIELDS, fact_from_event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(days: float = 0) -> str:
    return iso(T0 + timedelta(days=days))


def uid() -> str:
    return str(uuid.uuid4())


def pid() -> str:
    return "p-" + uuid.uuid4().hex


def event(name: str, data: dict, subject: str | None = None) -> Event:
    return new_event(name, data, service="test", subject=subject or uid(), correlation_id="t")


def feedback_received(*, kind="idea", area="keskusta", unit=None, days=0, feedback_id=None):
    feedback_id = feedback_id or uid()
    return event("FeedbackReceived", {
        "feedback_id": feedback_id, "kind": kind, "channel": "omalahti", "area": area,
        "unit": unit, "language": "fi", "received_at": at(days)}, feedback_id)


def feedback_answered(feedback_id, *, received=0, answered=1, public=True, unit="u-test",
                      kind="idea", area="keskusta", first_answer=None, on_time=None):
    data = {"feedback_id": feedback_id, "kind": kind, "area": area, "unit": unit,
            "language": "fi", "public": public, "received_at": at(received),
            "answered_at": at(answered)}
    if first_answer is not None:
        data["first_answer"] = first_answer
    if on_time is not None:
        data["on_time"] = on_time
    return event("FeedbackAnswered", data, feedback_id)


STEP_NAMES = ("clarify_goal", "choose_method", "invite", "run", "communicate_results",
              "decide", "communicate_impact")


def step_completed(project_id, step, *, unit="u-test", areas=("keskusta",), days=0, **extra):
    return event("ProjectStepCompleted", {
        "project_id": project_id, "unit": unit, "step": step, "step_name": STEP_NAMES[step - 1],
        "areas": list(areas), "completed_at": at(days), **extra}, project_id)


def impact_communicated(project_id, *, unit="u-test", areas=("keskusta",), days=0):
    return event("ImpactCommunicated", {
        "project_id": project_id, "unit": unit, "title": "Kauppatori", "areas": list(areas),
        "impact_statement": "Penkit lisättiin.", "participant_count": 40,
        "communicated_at": at(days)}, project_id)


def results_published(project_id, *, unit="u-test", areas=("keskusta",), days=0,
                      plain_language_summary=None):
    return event("ResultsPublished", {
        "project_id": project_id, "unit": unit, "title": "Kauppatori", "areas": list(areas),
        "summary": "Tulokset.", "plain_language_summary": plain_language_summary,
        "published_at": at(days)}, project_id)


def participant_joined(project_id, participant_id, *, days=0):
    return event("ParticipantJoined", {
        "project_id": project_id, "participant_id": participant_id, "via": "session",
        "joined_at": at(days)}, project_id)


def message_delivered(participant_id, *, trigger="ImpactCommunicated", project_id=None, days=0,
                      plain_language=False):
    return event("MessageDelivered", {
        "message_id": uid(), "trigger": trigger, "trigger_event_id": uid(),
        "participant_id": participant_id, "channel": "email", "language": "fi",
        "plain_language": plain_language, "project_id": project_id,
        "delivered_at": at(days)})


def participation_rated(project_id, score, *, days=0):
    return event("ParticipationRated", {"project_id": project_id, "score": score,
                                        "rated_at": at(days)}, project_id)


def plan_saved(unit, year, *, days=0):
    return event("ParticipationPlanSaved", {"unit": unit, "year": year, "planned_count": 3,
                                            "saved_at": at(days)}, f"{unit}:{year}")


def application_submitted(*, area="keskusta", age_band="30-44", days=0):
    return event("ApplicationSubmitted", {
        "application_id": uid(), "call_id": uid(), "body_id": "table-keskusta",
        "age_band": age_band, "area": area, "represents": "resident", "language": "fi",
        "submitted_at": at(days)})


def statement_submitted(statement_id, *, days=0):
    return event("StatementSubmitted", {
        "statement_id": statement_id, "body_id": "table-keskusta", "kind": "statement",
        "addressee": "kaupunginhallitus", "title": "Kannanotto", "submitted_at": at(days)},
        statement_id)


def statement_answered(statement_id, *, days=1):
    return event("StatementAnswered", {
        "statement_id": statement_id, "body_id": "table-keskusta", "answered_by": "kaupunki",
        "answer_summary": "Vastaus.", "member_ids": [], "answered_at": at(days)}, statement_id)


BUILDERS = {
    "FeedbackReceived": lambda: feedback_received(),
    "FeedbackAnswered": lambda: feedback_answered(uid()),
    "ProjectStepCompleted": lambda: step_completed(uid(), 2, methods=["workshop"]),
    "ImpactCommunicated": lambda: impact_communicated(uid()),
    "ResultsPublished": lambda: results_published(uid()),
    "ParticipantJoined": lambda: participant_joined(uid(), pid()),
    "MessageDelivered": lambda: message_delivered(pid(), project_id=uid()),
    "ParticipationRated": lambda: participation_rated(uid(), 4),
    "ParticipationPlanSaved": lambda: plan_saved("u-test", 2026),
    "ApplicationSubmitted": lambda: application_submitted(),
    "StatementSubmitted": lambda: statement_submitted(uid()),
    "StatementAnswered": lambda: statement_answered(uid()),
}


def test_every_builder_makes_a_valid_event_of_its_type():
    for name, build in BUILDERS.items():
        assert build().name == name  # new_event validated it against the schema


def test_every_event_the_evaluation_reads_has_a_time_field_in_its_schema():
    from services.common.schemas import default_registry

    registry = default_registry()
    for name in READ_EVENTS:
        import json

        schema = json.loads(registry.latest(name).schema_path.read_text())
        assert TIME_FIELDS[name] in schema["required"], name


def test_a_fact_takes_its_period_from_the_domain_time_in_the_city_time_zone():
    answered = feedback_answered(uid(), received=-40, answered=0)
    fact = fact_from_event(answered)
    assert (fact["month"], fact["year"]) == ("2026-03", "2026")  # answered, not received
    new_year = event("FeedbackReceived", {
        "feedback_id": uid(), "kind": "idea", "channel": "omalahti", "area": "itainen",
        "language": "fi", "received_at": "2026-12-31T22:30:00Z"})
    fact = fact_from_event(new_year)
    assert (fact["month"], fact["year"]) == ("2027-01", "2027")  # 00:30 in Lahti
    assert fact["areas"] == ["itainen"] and fact["unit"] is None


def test_a_fact_keeps_the_dimensions_it_is_filtered_by():
    project = uid()
    fact = fact_from_event(step_completed(project, 4, unit="culture", areas=("pohjoinen",
                                                                            "keskusta")))
    assert fact["_id"] and fact["project_id"] == project and fact["unit"] == "culture"
    assert fact["areas"] == ["keskusta", "pohjoinen"]
    assert fact["data"]["step"] == 4
