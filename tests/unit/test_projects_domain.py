"""A project through the seven steps: ordering, reopening with history, due dates and
reminders, the events it records, and residents taking part."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.errors import Conflict, NotFound, ValidationFailed
from services.projects import catalogue, participation
from services.projects.domain import OutOfOrder, create
from tests.unit.test_projects_steps import outputs

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
METHODS = catalogue.default().ids
PARTICIPANT = "p-" + "0f" * 16


def new_project(**changes):
    payload = {"title": "Kauppatori", "unit": "urban-environment", "areas": ["keskusta"],
               "starts_on": "2026-01-15", "ends_on": "2026-12-31", **changes}
    return create(payload, now=NOW, by="anna", default_unit=None)


def complete(project, number, when=NOW, **changes):
    return project.complete(number, outputs(number, **changes), by="anna", now=when,
                            methods=METHODS)


def run_to(project, last):
    for number in range(project.current_step, last + 1):
        complete(project, number)
    return project


def test_a_new_project_waits_on_step_1_and_is_not_public():
    project = new_project()
    assert project.current_step == 1 and not project.published and not project.finished
    assert project.responsible == "anna" and project.events == []


def test_creation_gives_a_reason_per_invalid_field():
    with pytest.raises(ValidationFailed) as refused:
        create({"title": "", "areas": ["mars"], "starts_on": "2026-05-01",
                "ends_on": "2026-04-01", "due_dates": {"9": "2026-01-01", "2": "soon"},
                "budget": 5}, now=NOW, by="anna", default_unit=None)
    assert set(refused.value.fields) == {"title", "unit", "areas", "ends_on", "due_dates.9",
                                         "due_dates.2", "budget"}
    assert create({"title": "T", "areas": ["itainen"], "starts_on": "2026-01-01",
                   "ends_on": "2026-01-01"}, now=NOW, by="b", default_unit="culture").unit \
        == "culture"
    with pytest.raises(ValidationFailed):  # unhashable junk is a reason, not a crash
        new_project(areas=[{"x": 1}])


def test_steps_run_in_order_and_skipping_names_the_current_step():
    project = new_project()
    complete(project, 1)
    with pytest.raises(OutOfOrder) as skipped:
        complete(project, 3)
    assert "current step is 2" in skipped.value.message
    assert skipped.value.status == 409
    assert "step 2 (Choose the method)" in skipped.value.fields["step"]
    with pytest.raises(Conflict, match="already complete"):
        complete(project, 1)
    with pytest.raises(NotFound):
        project.complete(8, {}, by="anna", now=NOW, methods=METHODS)
    assert project.current_step == 2


def test_missing_outputs_are_refused_and_change_nothing():
    project = run_to(new_project(), 1)
    before = list(project.events)
    with pytest.raises(ValidationFailed) as refused:
        project.complete(2, {"mode": "online"}, by="anna", now=NOW, methods=METHODS)
    assert {"methods", "starts_on", "ends_on"} <= set(refused.value.fields)
    assert project.current_step == 2 and project.events == before
    assert not project.state(2).completed


def test_every_step_records_project_step_completed_and_5_and_7_tell_participants():
    project = new_project(topic="city centre")
    run_to(project, 7)
    names = [name for name, _ in project.events]
    assert names == ["ProjectStepCompleted"] * 4 + ["ProjectStepCompleted", "ResultsPublished"] \
        + ["ProjectStepCompleted"] + ["ProjectStepCompleted", "ImpactCommunicated"]
    completed = [data for name, data in project.events if name == "ProjectStepCompleted"]
    assert [d["step"] for d in completed] == list(range(1, 8))
    assert [d["step_name"] for d in completed][3] == "run"
    assert completed[0]["methods"] == [] and completed[2]["methods"] == ["workshop", "map_survey"]
    assert completed[2]["plain_language"] is True and completed[2]["languages"] == ["fi", "sv"]
    assert completed[3]["participant_count"] == 143  # the sessions held
    assert completed[3]["input_counts"] == {"feedback": 0, "statements": 1,
                                            "survey_answers": 112}
    assert completed[6]["participant_count"] == 143 and completed[1]["participant_count"] is None
    results = dict(project.events)["ResultsPublished"]
    assert results["summary"].startswith("143") and results["plain_language_summary"]
    impact = dict(project.events)["ImpactCommunicated"]
    assert impact["participant_count"] == 143 and impact["title"] == "Kauppatori"
    assert project.finished and project.current_step == 8


def test_the_project_becomes_public_when_residents_are_invited():
    project = run_to(new_project(), 2)
    assert not project.published
    complete(project, 3)
    assert project.published_at == NOW


def test_reopening_needs_a_reason_reopens_the_later_steps_and_keeps_history():
    project = run_to(new_project(), 5)
    with pytest.raises(ValidationFailed, match="reason"):
        project.reopen(3, "  ", by="anna", now=NOW)
    with pytest.raises(Conflict, match="not complete"):
        project.reopen(6, "too early", by="anna", now=NOW)
    later = NOW + timedelta(days=1)
    assert project.reopen(3, "Swedish speakers were missed", by="ben", now=later) == [3, 4, 5]
    assert project.current_step == 3 and project.published  # stays public
    assert project.state(3).outputs["channels"] == ["omalahti", "posters"]  # kept as a draft
    entry = project.history[-1]
    assert entry == {"at": "2026-03-02T09:00:00Z", "action": "reopened", "step": 3,
                     "steps": [3, 4, 5], "by": "ben", "reason": "Swedish speakers were missed"}
    project.events.clear()
    complete(project, 3, when=later, languages=["fi", "sv", "en"])
    assert project.state(3).revision == 2
    assert project.events[0][1]["revision"] == 2
    completions = [h for h in project.history if h["action"] == "completed" and h["step"] == 3]
    assert [h["outputs"]["languages"] for h in completions] == [["fi", "sv"],
                                                              ["fi", "sv", "en"]]


def test_reopened_step_2_keeps_session_ids_and_never_reuses_one():
    project = run_to(new_project(), 2)
    assert [s["id"] for s in project.sessions] == ["s1"]
    project.reopen(2, "a second workshop", by="anna", now=NOW)
    complete(project, 2, sessions=[{"title": "Second", "starts_at": "2099-03-01T17:00"}])
    assert [s["id"] for s in project.sessions] == ["s2"]  # s1 was removed, not recycled
    project.reopen(2, "back again", by="anna", now=NOW)
    complete(project, 2, sessions=[{"id": "s2", "title": "Second", "starts_at":
                                    "2099-03-01T17:00"},
                                   {"title": "Third", "starts_at": "2099-03-02T17:00"}])
    assert [s["id"] for s in project.sessions] == ["s2", "s3"]
    project.reopen(2, "typo", by="anna", now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        complete(project, 2, sessions=[{"id": "s9", "title": "X",
                                        "starts_at": "2099-03-01T17:00"}])
    assert "sessions[0].id" in refused.value.fields


def test_step_4_links_feedback_sent_for_the_project():
    project = run_to(new_project(), 3)
    project.complete(4, outputs(4, feedback_ids=["a1"]), by="anna", now=NOW, methods=METHODS,
                     linked_feedback=["b2", "a1"])
    run = project.outputs(4)
    assert run["feedback_ids"] == ["a1", "b2"] and run["feedback_count"] == 2
    assert run["statement_count"] == 1 and run["survey_answer_count"] == 112


def test_due_dates_make_the_waiting_step_overdue_and_late_completions_are_marked():
    project = new_project(due_dates={"1": "2026-02-20", "2": "2026-04-01"})
    assert project.current_due_on == "2026-02-20"
    assert project.days_overdue(date(2026, 2, 20)) == 0
    assert project.days_overdue(date(2026, 3, 1)) == 9
    complete(project, 1)  # on 1 March: late
    assert project.events[-1][1]["late"] is True
    assert project.current_due_on == "2026-04-01" and project.days_overdue(date(2026, 3, 1)) == 0
    project.set_due(2, None, by="anna", now=NOW)
    assert project.current_due_on is None and project.history[-1]["action"] == "due_set"
    with pytest.raises(Conflict):
        project.set_due(1, "2026-05-01", by="anna", now=NOW)
    with pytest.raises(ValidationFailed):
        project.set_due(2, "next week", by="anna", now=NOW)
    run_to(project, 7)
    assert project.current_due_on is None and project.days_overdue(date(2030, 1, 1)) == 0


def test_registration_is_open_from_the_invitation_until_the_participation_took_place():
    project = run_to(new_project(), 2)
    with pytest.raises(Conflict, match="closed"):
        participation.register(project, "s1", {}, now=NOW)
    complete(project, 3)
    with pytest.raises(NotFound):
        participation.register(project, "s7", {}, now=NOW)
    anonymous = participation.register(project, "s1", None, now=NOW)
    assert anonymous.participant_id is None and anonymous.events == []
    known = participation.register(project, "s1", {"participant_id": PARTICIPANT}, now=NOW)
    assert known.id == f"{project.id}:s1:{PARTICIPANT}"
    assert known.events == [("ParticipantJoined", {
        "project_id": project.id, "participant_id": PARTICIPANT, "via": "session",
        "unit": "urban-environment", "areas": ["keskusta"], "joined_at": "2026-03-01T09:00:00Z"})]
    with pytest.raises(ValidationFailed) as refused:
        participation.register(project, "s1", {"participant_id": "anna@example.fi",
                                               "name": "Anna"}, now=NOW)
    assert set(refused.value.fields) == {"participant_id", "name"}
    with pytest.raises(Conflict, match="already started"):
        participation.register(project, "s1", {}, now=datetime(2099, 2, 10, 15, 0, tzinfo=UTC))
    complete(project, 4)
    with pytest.raises(Conflict, match="already taken place"):
        participation.register(project, "s1", {}, now=NOW)


def test_the_satisfaction_question_is_open_from_step_4_until_step_7():
    project = run_to(new_project(), 3)
    with pytest.raises(Conflict, match="open from"):
        participation.rate(project, {"score": 4}, now=NOW)
    complete(project, 4)
    for bad in (0, 6, 4.0, "4", True, None):
        with pytest.raises(ValidationFailed):
            participation.rate(project, {"score": bad}, now=NOW)
    rating = participation.rate(project, {"score": 5, "participant_id": PARTICIPANT}, now=NOW)
    assert [name for name, _ in rating.events] == ["ParticipationRated", "ParticipantJoined"]
    assert rating.events[0][1] == {"project_id": project.id, "unit": "urban-environment",
                                   "areas": ["keskusta"], "score": 5,
                                   "rated_at": "2026-03-01T09:00:00Z"}
    assert rating.events[1][1]["via"] == "survey"
    run_to(project, 6)
    assert participation.rate(project, {"score": 2}, now=NOW).participant_id is None
    complete(project, 7)
    with pytest.raises(Conflict):
        participation.rate(project, {"score": 3}, now=NOW)
