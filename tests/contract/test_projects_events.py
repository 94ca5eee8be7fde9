"""The events the projects service emits validate against the published contract, go to
kuultu.projects keyed by the project (or plan), and carry no personal data."""

import json
from datetime import UTC, datetime

from services.common.envelope import decode, encode, new_event
from services.common.schemas import default_registry
from services.projects import catalogue, participation, plans
from services.projects.domain import create
from tests.unit.test_projects_steps import outputs

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REGISTRY = default_registry()
PROJECT_EVENTS = {"ProjectStepCompleted", "ResultsPublished", "ImpactCommunicated",
                  "ParticipantJoined", "ParticipationRated", "ParticipationPlanSaved"}
STAFF_NAME, STAFF_ID = "Anna Aaltonen", "anna.aaltonen@lahti.example"


def everything_a_project_emits() -> list[tuple[str, str, dict]]:
    """(subject, name, data) of a whole project, its participants and a plan."""
    project = create({"title": "Kauppatori", "unit": "urban-environment",
                      "areas": ["keskusta", "itainen"], "topic": "city centre",
                      "responsible_name": STAFF_NAME, "starts_on": "2026-01-15",
                      "ends_on": "2026-12-31", "due_dates": {"1": "2026-02-01"}},
                     now=NOW, by=STAFF_ID, default_unit=None)
    emitted = []
    for number in range(1, 8):
        project.complete(number, outputs(number), by=STAFF_ID, now=NOW,
                         methods=catalogue.default().ids, linked_feedback=["f-1"])
        if number == 3:
            registration = participation.register(
                project, "s1", {"participant_id": "p-" + "a" * 32}, now=NOW)
            emitted += [(project.id, n, d) for n, d in registration.events]
        if number == 5:
            rating = participation.rate(project, {"score": 4, "participant_id": "p-" + "b" * 32},
                                        now=NOW)
            emitted += [(project.id, n, d) for n, d in rating.events]
    emitted += [(project.id, n, d) for n, d in project.events]
    plan = plans.save("urban-environment", 2026, {"entries": [
        {"month": 3, "title": "Workshop with Anna Aaltonen", "method": "workshop"}]},
        methods=catalogue.default().ids, now=NOW, by=STAFF_ID)
    emitted += [(plan.id, n, d) for n, d in plan.events]
    return emitted


def test_the_new_events_are_in_the_catalogue_on_the_projects_topic():
    for name in PROJECT_EVENTS:
        assert REGISTRY.latest(name).topic == "kuultu.projects"


def test_every_emitted_event_validates_and_round_trips_keyed_by_its_aggregate():
    emitted = everything_a_project_emits()
    assert {name for _, name, _ in emitted} == PROJECT_EVENTS
    for subject, name, data in emitted:
        event = new_event(name, data, service="projects", subject=subject, correlation_id="c")
        message = encode(event)
        assert message.key == subject
        assert decode(message.key.encode(), message.value, list(message.headers.items())) == event


def test_no_personal_data_in_any_event():
    for _, name, data in everything_a_project_emits():
        serialized = json.dumps(data, ensure_ascii=False)
        assert STAFF_NAME not in serialized and "Anna" not in serialized, name
        assert STAFF_ID not in serialized and "@" not in serialized, name
        for key, value in data.items():
            if "participant" in key and isinstance(value, str):
                assert value.startswith("p-") and len(value) == 34, (name, key)
