"""A participation project from step 1 to 7 on the real stack, through the gateway: the
services run as processes on Kafka and FerretDB. The events that evaluation and notifications
consume arrive on kuultu.projects keyed by the project id; skipping a step and missing outputs
are refused; feedback sent for the project is linked to it through Kafka."""

import uuid
from datetime import date, timedelta

import httpx

from services.common.envelope import decode
from services.gateway import dev_issuer
from tests.integration.conftest import PORTS, read_topic, wait_until
from tests.unit.test_projects_steps import outputs

GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def staff(role="staff", unit="urban-environment", subject="anna"):
    return {"authorization": f"Bearer {dev_issuer.mint(role, unit=unit, subject=subject)}"}


def post(path, json, headers=None, correlation_id=None):
    headers = {**(headers or {}), **({"x-correlation-id": correlation_id}
                                     if correlation_id else {})}
    return httpx.post(f"{GATEWAY}{path}", json=json, headers=headers, timeout=30)


def complete(project_id, number, headers, **changes):
    return post(f"/api/v1/staff/projects/{project_id}/steps/{number}/complete",
                outputs(number, **changes), headers)


def test_a_project_runs_from_step_1_to_7_and_its_events_reach_kafka(platform):
    anna = staff()
    created = post("/api/v1/staff/projects", {
        "title": "Renewing Kauppatori", "areas": ["keskusta"], "topic": "city centre",
        "starts_on": "2026-01-15", "ends_on": "2026-12-31"}, anna)
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]

    skipped = complete(project_id, 2, anna)
    assert skipped.status_code == 409
    assert "step 1 (Clarify the goal)" in skipped.json()["fields"]["step"]
    missing = post(f"/api/v1/staff/projects/{project_id}/steps/1/complete",
                   {"goal": "A better square"}, anna)
    assert missing.status_code == 422
    assert set(missing.json()["fields"]) == {"input_wanted", "target_groups"}

    correlation_id = str(uuid.uuid4())
    first = post(f"/api/v1/staff/projects/{project_id}/steps/1/complete", outputs(1), anna,
                 correlation_id=correlation_id)
    assert first.status_code == 200, first.text
    session = [{"title": "Workshop", "starts_at": f"{FUTURE}T17:00", "capacity": 50}]
    assert complete(project_id, 2, anna, sessions=session).status_code == 200
    assert complete(project_id, 3, anna).status_code == 200

    registered = post(f"/api/v1/projects/{project_id}/sessions/s1/registrations",
                      {"email": "osallistuja@example.fi", "language": "fi"})
    assert registered.status_code == 201, registered.text
    feedback = post("/api/v1/feedback", {"text": "Lisää penkkejä torille", "kind": "idea",
                                         "area": "keskusta", "project_id": project_id})
    assert feedback.status_code == 201, feedback.text
    wait_until(lambda: httpx.get(f"{GATEWAY}/api/v1/staff/projects/{project_id}",
                                 headers=anna).json()["linked_feedback"]["count"] == 1,
               timeout=60)

    negative = complete(project_id, 4, anna, sessions_held=[
        {"title": "Workshop", "held_on": "2026-02-10", "participant_count": -1}])
    assert negative.status_code == 422
    assert complete(project_id, 4, anna).status_code == 200
    rated = post(f"/api/v1/projects/{project_id}/satisfaction",
                 {"score": 5, "email": "vastaaja@example.fi"})
    assert rated.status_code == 201, rated.text
    for number in (5, 6, 7):
        reply = complete(project_id, number, anna)
        assert reply.status_code == 200, reply.text

    key = project_id.encode()

    def ours(records):
        """Distinct events of this project: delivery is at-least-once, so the relay may
        publish an event twice; consumers (and this test) count each event id once."""
        events = {}
        for r in records:
            if r.key == key:
                event = decode(r.key, r.value, r.headers)
                events.setdefault(event.id, event)
        return list(events.values())

    def arrived(records):
        names = [e.name for e in ours(records)]
        return (names.count("ProjectStepCompleted") == 7 and "ImpactCommunicated" in names
                and names.count("ParticipantJoined") == 2 and "ParticipationRated" in names)

    try:
        records = read_topic("kuultu.projects", arrived, timeout=120)
    except AssertionError:
        seen = read_topic("kuultu.projects", lambda rs: True, timeout=5)
        raise AssertionError(f"events of the project on Kafka: {[e.name for e in ours(seen)]}") from None
    events = ours(records)
    steps = [e for e in events if e.name == "ProjectStepCompleted"]
    assert sorted(e.data["step"] for e in steps) == list(range(1, 8))
    assert steps[0].correlation_id == correlation_id
    assert [e.name for e in events].count("ResultsPublished") == 1
    step4 = next(e for e in steps if e.data["step"] == 4)
    assert step4.data["participant_count"] == 143 and step4.data["input_counts"]["feedback"] == 1
    impact = next(e for e in events if e.name == "ImpactCommunicated")
    assert impact.data["participant_count"] == 143
    joined = sorted(e.data["via"] for e in events if e.name == "ParticipantJoined")
    assert joined == ["session", "survey"]
    assert all(e.subject == project_id for e in events)
    values = b"".join(r.value for r in records if r.key == key)
    assert b"osallistuja@example.fi" not in values and b"vastaaja" not in values

    # The loop closes: notifications told both participants the results and the impact, and
    # evaluation counted the steps, the participants told and the rating.
    evaluator = staff("evaluator", unit=None, subject="eeva")

    def figures_once_both_were_told():
        reply = httpx.get(f"{GATEWAY}/api/v1/evaluation/projects", headers=evaluator)
        if reply.status_code != 200:
            return None
        ours = [p for p in reply.json()["projects"] if p["project_id"] == project_id]
        return ours[0] if ours and ours[0]["told_impact"] == 2 else None

    seen = wait_until(figures_once_both_were_told, timeout=90)
    assert seen["steps_completed"] == list(range(1, 8)) and seen["participants"] == 2
    assert seen["results_published"] and seen["impact_communicated"]
    assert seen["ratings"] == 1 and seen["rating_mean"] == 5
    coordinator = staff("coordinator", unit=None, subject="cecilia")
    for trigger in ("ResultsPublished", "ImpactCommunicated"):
        log = httpx.get(f"{GATEWAY}/api/v1/staff/notifications/messages", headers=coordinator,
                        params={"project_id": project_id, "trigger": trigger}).json()
        assert log["total"] == 2, (trigger, log)

    public = httpx.get(f"{GATEWAY}/api/v1/projects/{project_id}").json()
    assert public["phase"] == "impact_communicated" and public["impact"]["statement"]
    page = httpx.get(f"{GATEWAY}/projects/{project_id}")
    assert page.status_code == 200 and "Puut jäävät" in page.text


def test_reopening_and_role_checks_on_the_real_stack(platform):
    anna = staff()
    project_id = post("/api/v1/staff/projects", {
        "title": "School route", "areas": ["pohjoinen"], "starts_on": "2026-01-15",
        "ends_on": "2026-06-30"}, anna).json()["id"]
    for number in (1, 2):
        assert complete(project_id, number, anna).status_code == 200
    reopened = post(f"/api/v1/staff/projects/{project_id}/steps/1/reopen",
                    {"reason": "The target groups missed the school's pupils."}, anna)
    assert reopened.status_code == 200 and reopened.json()["reopened"] == [1, 2]
    assert reopened.json()["current_step"] == 1
    history = reopened.json()["history"]
    assert history[-1]["reason"] == "The target groups missed the school's pupils."
    assert complete(project_id, 1, anna).json()["steps"][0]["revision"] == 2

    other_unit = staff(unit="education", subject="ben")
    assert httpx.get(f"{GATEWAY}/api/v1/staff/projects/{project_id}",
                     headers=other_unit).status_code == 403
    assert complete(project_id, 2, other_unit).status_code == 403
    assert httpx.get(f"{GATEWAY}/api/v1/staff/projects/{project_id}").status_code == 401
    coordinator = staff("coordinator", unit=None, subject="cecilia")
    board = httpx.get(f"{GATEWAY}/api/v1/staff/projects/board", headers=coordinator).json()
    assert project_id in {p["id"] for p in board["columns"][1]["projects"]}
    # Not public before the invitation (step 3).
    assert httpx.get(f"{GATEWAY}/api/v1/projects/{project_id}").status_code == 404
