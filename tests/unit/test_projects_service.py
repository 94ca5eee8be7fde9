"""The projects service's API and handlers on the embedded store: persistence, roles, the
outbox, session places, feedback linking and the overdue reminders."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest

from services.common.context import ServiceContext
from services.common.envelope import Event, decode
from services.common.httpapi import Request
from services.common.inprocess_bus import InProcessBus
from services.common.outbox import OutboxRelay
from services.projects import reminders
from services.projects.documents import ProjectDocument, ReminderDocument
from services.projects.wiring import wiring
from tests.unit.test_projects_steps import outputs

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ANNA = {"x-kuultu-actor": "anna", "x-kuultu-roles": "staff", "x-kuultu-unit": "culture"}
BEN = {"x-kuultu-actor": "ben", "x-kuultu-roles": "staff", "x-kuultu-unit": "education"}
COORDINATOR = {"x-kuultu-actor": "cecilia", "x-kuultu-roles": "coordinator"}


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def service(embedded_store):
    clock = Clock()
    ctx = ServiceContext(service="projects", topic="kuultu.projects", clock=clock)
    bus = InProcessBus()
    relay = OutboxRelay("projects", wiring.documents, bus.publish)

    def call(method, path, body=None, headers=ANNA):
        path, _, query = path.partition("?")
        reply = wiring.router.dispatch(Request(method, path, body=body, headers=dict(headers),
                                               query=dict(parse_qsl(query))), ctx)
        return reply.status, reply.body

    def events():
        relay.relay_once()
        return [decode(r.key, r.value, r.headers) for r in bus.read("kuultu.projects", 0, 1000)]

    call.ctx, call.clock, call.events = ctx, clock, events
    return call


def create(service, headers=ANNA, **changes):
    status, body = service("POST", "/projects", {
        "title": "Museum workshop", "areas": ["keskusta"], "starts_on": "2026-01-15",
        "ends_on": "2026-12-31", **changes}, headers)
    assert status == 201, body
    return body["id"]


def run_to(service, project_id, last, first=1, headers=ANNA):
    for number in range(first, last + 1):
        status, body = service("POST", f"/projects/{project_id}/steps/{number}/complete",
                               outputs(number), headers)
        assert status == 200, body
    return body


def test_a_project_is_run_through_the_seven_steps_and_its_events_are_keyed_by_it(service):
    project_id = create(service)
    view = run_to(service, project_id, 7)
    assert view["finished"] and view["participant_count"] == 143
    assert [s["status"] for s in view["steps"]] == ["completed"] * 7
    events = [e for e in service.events() if e.subject == project_id]
    assert [e.name for e in events if e.name == "ProjectStepCompleted"] == \
        ["ProjectStepCompleted"] * 7
    assert {e.name for e in events} == {"ProjectStepCompleted", "ResultsPublished",
                                        "ImpactCommunicated"}
    assert ProjectDocument.objects(id=project_id).first().outbox == []  # all relayed


def test_skipping_and_missing_outputs_are_refused_with_reasons(service):
    project_id = create(service)
    status, body = service("POST", f"/projects/{project_id}/steps/2/complete", outputs(2))
    assert status == 409 and body["error"] == "step_out_of_order"
    assert "step 1 (Clarify the goal)" in body["fields"]["step"]
    status, body = service("POST", f"/projects/{project_id}/steps/1/complete", {"goal": "x"})
    assert status == 422 and set(body["fields"]) == {"input_wanted", "target_groups"}
    status, body = service("POST", f"/projects/{project_id}/steps/1/complete", None)
    assert status == 422
    assert service("POST", f"/projects/{project_id}/steps/0/complete", outputs(1))[0] == 404
    assert service("POST", f"/projects/{project_id}/steps/x/complete", outputs(1))[0] == 404
    assert service("POST", f"/projects/{project_id}/steps/\u00b2/reopen", {})[0] == 404  # ²
    assert service("GET", f"/projects/{project_id}")[1]["current_step"] == 1


def test_staff_work_on_their_own_unit_and_coordinators_on_all(service):
    project_id = create(service)
    assert service("GET", f"/projects/{project_id}", headers=BEN)[0] == 403
    assert service("POST", f"/projects/{project_id}/steps/1/complete", outputs(1),
                   headers=BEN)[0] == 403
    assert service("POST", "/projects", {"title": "x", "unit": "culture", "areas": ["keskusta"],
                                         "starts_on": "2026-01-01", "ends_on": "2026-02-01"},
                   headers=BEN)[0] == 403
    assert service("GET", "/projects", headers=BEN)[1]["count"] == 0
    assert service("GET", "/projects?unit=culture", headers=BEN)[0] == 403
    status, body = service("GET", f"/projects/{project_id}", headers=COORDINATOR)
    assert status == 200 and body["unit"] == "culture"
    assert service("POST", "/projects", {}, headers={})[0] == 403  # no actor at all
    evaluator = {"x-kuultu-actor": "eva", "x-kuultu-roles": "evaluator"}
    assert service("POST", "/projects", {}, headers=evaluator)[0] == 403


def test_list_and_board_group_projects_by_their_step_with_overdue_first(service):
    late = create(service, title="Late one", due_dates={"1": "2026-02-01"})
    on_time = create(service, title="On time", due_dates={"1": "2026-04-01"})
    finished = create(service, title="Done")
    run_to(service, finished, 7)
    create(service, headers=BEN, title="Other unit")
    status, board = service("GET", "/projects/board")
    assert status == 200 and board["count"] == 3 and board["overdue"] == 1
    assert [p["id"] for p in board["columns"][0]["projects"]] == [late, on_time]
    assert board["columns"][0]["projects"][0]["days_overdue"] == 28
    assert [p["id"] for p in board["columns"][7]["projects"]] == [finished]
    assert board["columns"][7]["key"] == "finished"
    listed = service("GET", "/projects", headers=ANNA)[1]
    assert [p["title"] for p in listed["projects"]][0] == "Late one"
    assert service("GET", "/projects?overdue=true")[1]["count"] == 1
    assert service("GET", "/projects?step=8")[1]["count"] == 1
    assert service("GET", "/projects?step=9")[0] == 422
    assert service("GET", "/projects/board", headers=COORDINATOR)[1]["count"] == 4


def test_reopening_is_stored_with_its_reason_and_a_cleared_due_date_stays_cleared(service):
    project_id = create(service, due_dates={"4": "2026-02-01"})
    run_to(service, project_id, 3)
    assert service("GET", f"/projects/{project_id}")[1]["overdue"] is True
    status, view = service("PUT", f"/projects/{project_id}/steps/4/due", {"due_on": None})
    assert status == 200 and view["due_on"] is None
    stored = ProjectDocument.objects(id=project_id).first()
    assert stored.current_due_on is None  # not just absent from the update
    status, view = service("POST", f"/projects/{project_id}/steps/2/reopen",
                           {"reason": "the venue changed"})
    assert status == 200 and view["reopened"] == [2, 3] and view["current_step"] == 2
    assert view["steps"][1]["reopened"] and view["history"][-1]["reason"] == "the venue changed"
    assert service("POST", f"/projects/{project_id}/steps/5/reopen", {"reason": "x"})[0] == 409
    assert service("PUT", f"/projects/{project_id}/steps/4/due", {})[0] == 422


def test_overdue_steps_are_flagged_once_to_the_responsible_staff_member(service):
    late = create(service, title="Late", due_dates={"1": "2026-02-20"})
    create(service, title="Not yet", due_dates={"1": "2026-03-20"})
    create(service, title="No date")
    done = create(service, title="Done in time", due_dates={"1": "2026-02-01"})
    run_to(service, done, 1)
    flagged = reminders.flag_overdue(NOW)
    assert [(r.project_id, r.step, r.due_on, r.responsible) for r in flagged] == [
        (late, 1, "2026-02-20", "anna")]
    assert reminders.flag_overdue(NOW + timedelta(hours=1)) == []  # once
    status, body = service("GET", "/reminders")
    assert status == 200 and [r["project_id"] for r in body["reminders"]] == [late]
    assert body["reminders"][0]["resolved"] is False
    assert service("GET", "/reminders", headers=BEN)[1]["reminders"] == []
    run_to(service, late, 1)
    assert service("GET", "/reminders")[1]["reminders"][0]["resolved"] is True
    # A new due date of the same step that passes is flagged again.
    service("PUT", f"/projects/{late}/steps/2/due", {"due_on": "2026-02-25"})
    assert [r.step for r in reminders.flag_overdue(NOW)] == [2]
    assert ReminderDocument.objects.count() == 2


def test_registration_takes_places_once_per_person_and_tells_who_took_part(service):
    project_id = create(service)
    service("POST", f"/projects/{project_id}/steps/1/complete", outputs(1))
    two_places = [{"title": "Workshop", "starts_at": "2099-02-10T17:00", "capacity": 2}]
    service("POST", f"/projects/{project_id}/steps/2/complete", outputs(2, sessions=two_places))
    path = f"/public/projects/{project_id}/sessions/s1/registrations"
    assert service("POST", path, {}, headers={})[0] == 404  # not public before step 3
    service("POST", f"/projects/{project_id}/steps/3/complete", outputs(3))
    first, second = "p-" + "1" * 32, "p-" + "2" * 32
    assert service("POST", path, {"participant_id": first}, headers={})[0] == 201
    assert service("POST", path, {"participant_id": first}, headers={})[0] == 200  # again
    assert service("POST", path, {"participant_id": second}, headers={})[0] == 201
    status, body = service("POST", path, {}, headers={})
    assert status == 409 and "full" in body["message"]
    public = service("GET", f"/public/projects/{project_id}", headers={})[1]
    assert public["sessions"][0]["places_left"] == 0
    assert service("GET", f"/projects/{project_id}")[1]["sessions"][0]["registered"] == 2
    joined = [e for e in service.events() if e.name == "ParticipantJoined"]
    assert sorted(e.data["participant_id"] for e in joined) == [first, second]
    assert all(e.subject == project_id and e.data["via"] == "session" for e in joined)


def test_satisfaction_answers_are_counted_and_emitted_without_the_person(service):
    project_id = create(service)
    run_to(service, project_id, 4)
    path = f"/public/projects/{project_id}/satisfaction"
    person = "p-" + "3" * 32
    assert service("POST", path, {"score": 5, "participant_id": person}, headers={})[0] == 201
    status, body = service("POST", path, {"score": 1, "participant_id": person}, headers={})
    assert status == 409 and "answered already" in body["message"]
    assert service("POST", path, {"score": 2}, headers={})[0] == 201
    assert service("POST", path, {"score": "great"}, headers={})[0] == 422
    satisfaction = service("GET", f"/projects/{project_id}")[1]["satisfaction"]
    assert satisfaction == {"answers": 2, "mean": 3.5, "open": True,
                            "by_score": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    rated = [e for e in service.events() if e.name == "ParticipationRated"]
    assert sorted(e.data["score"] for e in rated) == [2, 5]
    assert all(person not in json.dumps(e.data) for e in rated)


def test_feedback_sent_for_a_project_is_linked_once_and_counted_at_step_4(service):
    project_id = create(service)
    run_to(service, project_id, 3)
    feedback_id = str(uuid.uuid4())
    event = Event(name="FeedbackReceived", version=1, source="/kuultu/feedback",
                  subject=feedback_id, correlation_id="c", data={
                      "feedback_id": feedback_id, "kind": "idea", "channel": "omalahti",
                      "area": "keskusta", "language": "fi", "project_id": project_id,
                      "received_at": "2026-02-20T10:00:00Z"})
    handle = wiring.handlers["FeedbackReceived"]
    handle(event, service.ctx)
    handle(event, service.ctx)  # redelivered: nothing new
    unrelated = Event(name="FeedbackReceived", version=1, source="/kuultu/feedback",
                      subject="x", correlation_id="c", data={**event.data, "project_id": None,
                                                             "feedback_id": str(uuid.uuid4())})
    handle(unrelated, service.ctx)
    view = service("GET", f"/projects/{project_id}")[1]
    assert view["linked_feedback"] == {"count": 1, "ids": [feedback_id]}
    view = run_to(service, project_id, 4, first=4)
    assert view["steps"][3]["outputs"]["feedback_ids"] == [feedback_id]
    step4 = [e for e in service.events() if e.name == "ProjectStepCompleted"
             and e.data["step"] == 4][0]
    assert step4.data["input_counts"]["feedback"] == 1


def test_plans_are_saved_per_unit_and_year(service):
    path = "/plans/culture/2026"
    entries = {"entries": [{"month": 3, "title": "Museum workshop", "method": "workshop"}]}
    status, clock = service("PUT", path, entries)
    assert status == 201 and clock["summary"]["planned"] == 1
    assert service("PUT", path, {"entries": entries["entries"] * 2})[0] == 200
    assert service("GET", path)[1]["summary"]["planned"] == 2
    assert service("PUT", path, entries, headers=BEN)[0] == 403
    assert service("GET", path, headers=BEN)[0] == 403
    assert service("GET", "/plans/culture/26")[0] == 422
    assert service("PUT", "/plans/culture/\u00b2\u00b2\u00b2\u00b2", entries)[0] == 422
    assert [p["unit"] for p in service("GET", "/plans?year=2026", headers=COORDINATOR)[1][
        "plans"]] == ["culture"]
    assert service("GET", "/plans", headers=BEN)[1]["plans"] == []
    saved = [e for e in service.events() if e.name == "ParticipationPlanSaved"]
    assert [e.data["planned_count"] for e in saved] == [1, 2]
    assert {e.subject for e in saved} == {"culture:2026"}


def test_public_views_show_only_published_projects_without_staff_details(service):
    draft = create(service, title="Draft")
    published = create(service, title="Published", responsible_name="Anna Aaltonen")
    run_to(service, published, 5)
    status, listed = service("GET", "/public/projects", headers={})
    assert status == 200 and [p["id"] for p in listed["projects"]] == [published]
    assert service("GET", f"/public/projects/{draft}", headers={})[0] == 404
    view = service("GET", f"/public/projects/{published}", headers={})[1]
    assert view["phase"] == "results_published" and view["results"]["next_steps"]
    assert view["impact"] is None and view["satisfaction"]["open"] is True
    assert "Anna" not in json.dumps(view) and "anna" not in json.dumps(view)
    assert service("GET", "/public/projects?area=mars", headers={})[0] == 422
    assert service("GET", "/public/projects?phase=results_published&area=keskusta",
                   headers={})[1]["count"] == 1
    assert service("GET", "/methods", headers={})[1]["ways"][0]["id"] == "feedback"
    steps = service("GET", "/steps", headers={})[1]["steps"]
    methods_field = next(f for f in steps[1]["fields"] if f["name"] == "methods")
    workshop = next(o for o in methods_field["options"] if o["value"] == "workshop")
    assert workshop["fi"] == "Työpaja" and workshop["group"]["order"] == 2  # co-design
