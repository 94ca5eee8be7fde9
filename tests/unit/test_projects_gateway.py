"""Projects through the gateway on the embedded store: the staff API and the staff pages (HTML
forms, no JavaScript) run a project from step 1 to 7; residents see it, register to a session
and answer the satisfaction question, their contact kept only by notifications."""

import re
import threading
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from services.common.actor import Actor
from services.common.consuming import RecordProcessor
from services.common.context import ServiceContext
from services.common.envelope import decode
from services.common.inprocess_bus import InProcessBus
from services.common.outbox import OutboxRelay
from services.common.topology import SERVICES
from services.common.wiring import wiring_of
from services.gateway import dev_issuer
from services.gateway.app import create_app
from services.gateway.clients import InProcessClient
from services.notifications.documents import ContactDocument
from tests.unit.test_projects_steps import outputs

SERVICE_NAMES = ("projects", "notifications", "feedback")
FUTURE = (date.today() + timedelta(days=30)).isoformat()


class Platform:
    """The three services this flow touches, their outboxes relayed to an in-process bus."""

    def __init__(self):
        self.bus = InProcessBus()
        lock = threading.RLock()
        self.clients, self.relays = {}, []
        for name in SERVICES:
            wiring = wiring_of(name) if name in SERVICE_NAMES else None
            if wiring is None:
                continue
            context = ServiceContext(service=name, topic=SERVICES[name].topic)
            self.clients[name] = InProcessClient(wiring.router, context, lock)
            self.relays.append(OutboxRelay(name, wiring.documents, self.bus.publish))
        projects = wiring_of("projects")
        context = self.clients["projects"].context
        self.processor = RecordProcessor(
            service="projects", group="kuultu-projects", dead_letters=self.bus.publish,
            handlers={name: (lambda e, h=h: h(e, context)) for name, h in
                      projects.handlers.items()})
        self.offset = 0

    def relay(self) -> list:
        for relay in self.relays:
            relay.relay_once()
        return [decode(r.key, r.value, r.headers)
                for r in self.bus.read("kuultu.projects", 0, 10_000)]

    def deliver_feedback(self) -> None:
        """What the projects consumer does on the real stack."""
        self.relay()
        for record in self.bus.read("kuultu.feedback", self.offset):
            self.processor.process(record)
            self.offset = record.offset + 1


@pytest.fixture
def platform(embedded_store):
    return Platform()


@pytest.fixture
def client(platform):
    app = create_app(platform.clients, mode="test", verifier=dev_issuer.token_verifier())
    with TestClient(app, base_url="http://testserver") as c:
        c.cookies.set("kuultu_lang", "en")  # the texts asserted below are the English ones
        yield c


def bearer(role="coordinator", unit="culture", subject="cecilia"):
    return {"authorization": f"Bearer {dev_issuer.mint(role, unit=unit, subject=subject)}"}


def signed_in(client, role="staff", unit="culture", subject="anna") -> str:
    """A browser session, as after signing in; returns the session's CSRF token."""
    cookie, csrf = client.app.state.sessions.issue(Actor(subject, frozenset({role}), unit))
    client.cookies.set("kuultu_session", cookie)
    return csrf


def new_project(client, headers, **changes) -> str:
    reply = client.post("/api/v1/staff/projects", headers=headers, json={
        "title": "Museum square", "areas": ["keskusta"], "starts_on": "2026-01-15",
        "ends_on": "2026-12-31", **changes})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def complete(client, project_id, number, headers, **changes):
    return client.post(f"/api/v1/staff/projects/{project_id}/steps/{number}/complete",
                       headers=headers, json=outputs(number, **changes))


def test_the_staff_api_runs_a_project_from_step_1_to_7(client, platform):
    staff = bearer("staff", subject="anna")
    project_id = new_project(client, staff)
    skipped = complete(client, project_id, 3, staff)
    assert skipped.status_code == 409 and "current step is 1" in skipped.json()["message"]
    missing = client.post(f"/api/v1/staff/projects/{project_id}/steps/1/complete",
                          headers=staff, json={"goal": "Only a goal"})
    assert missing.status_code == 422
    assert set(missing.json()["fields"]) == {"input_wanted", "target_groups"}
    for number in (1, 2, 3):
        assert complete(client, project_id, number, staff).status_code == 200
    negative = complete(client, project_id, 4, staff, sessions_held=[
        {"title": "Workshop", "held_on": "2026-02-10", "participant_count": -3}])
    assert negative.status_code == 422
    assert "non-negative" in negative.json()["fields"]["sessions_held[0].participant_count"]
    for number in (4, 5, 6):
        assert complete(client, project_id, number, staff).status_code == 200
    reopened = client.post(f"/api/v1/staff/projects/{project_id}/steps/6/reopen",
                           headers=staff, json={"reason": "The decision was amended."})
    assert reopened.status_code == 200 and reopened.json()["reopened"] == [6]
    for number in (6, 7):
        assert complete(client, project_id, number, staff).status_code == 200
    view = client.get(f"/api/v1/staff/projects/{project_id}", headers=staff).json()
    assert view["finished"] and view["steps"][5]["revision"] == 2

    public = client.get(f"/api/v1/projects/{project_id}").json()
    assert public["phase"] == "impact_communicated"
    assert public["results"]["plain_language_summary"].startswith("143")
    assert public["impact"]["participant_count"] == 143
    names = [e.name for e in platform.relay() if e.subject == project_id]
    assert names.count("ProjectStepCompleted") == 8  # step 6 twice
    assert names.count("ResultsPublished") == 1 and names.count("ImpactCommunicated") == 1
    assert client.get("/api/v1/staff/projects", headers=bearer("staff", unit="education")
                      ).json()["count"] == 0
    assert client.get(f"/api/v1/staff/projects/{project_id}",
                      headers=bearer("staff", unit="education")).status_code == 403
    assert client.get("/api/v1/staff/projects").status_code == 401


def test_residents_register_and_rate_with_contact_details_kept_by_notifications(client,
                                                                              platform):
    staff = bearer()
    project_id = new_project(client, staff)
    for number in (1, 2, 3):
        complete(client, project_id, number, staff, **(
            {"sessions": [{"title": "Workshop", "starts_at": f"{FUTURE}T17:00",
                           "capacity": 1}]} if number == 2 else {}))
    path = f"/api/v1/projects/{project_id}/sessions/s1/registrations"
    registered = client.post(path, json={"email": "asukas@example.fi", "language": "sv"})
    assert registered.status_code == 201 and registered.json()["will_be_told"] is True
    assert ContactDocument.objects.count() == 1
    participant = ContactDocument.objects.first().participant_id
    # The session is full now: the second person's contact is not kept.
    full = client.post(path, json={"email": "toinen@example.fi"})
    assert full.status_code == 409 and ContactDocument.objects.count() == 1
    bad_contact = client.post(path, json={"email": "not-an-address"})
    assert bad_contact.status_code == 422 and "email" in bad_contact.json()["fields"]
    forged = client.post(path, json={"participant_id": participant})
    assert forged.status_code == 422 and "participant_id" in forged.json()["fields"]

    complete(client, project_id, 4, staff)
    rated = client.post(f"/api/v1/projects/{project_id}/satisfaction",
                        json={"score": 4, "phone": "+358 40 123 4567"})
    assert rated.status_code == 201 and ContactDocument.objects.count() == 2
    assert client.post(f"/api/v1/projects/{project_id}/satisfaction",
                       json={"score": 9}).status_code == 422

    events = [e for e in platform.relay() if e.subject == project_id]
    joined = [e.data for e in events if e.name == "ParticipantJoined"]
    assert [(j["via"], j["participant_id"] == participant) for j in joined] == [
        ("session", True), ("survey", False)]
    assert [e.data["score"] for e in events if e.name == "ParticipationRated"] == [4]
    raw = str([e.to_dict() for e in events])
    assert "asukas@example.fi" not in raw and "123 4567" not in raw


def test_staff_pages_run_the_steps_with_plain_html_forms(client, platform):
    anonymous = client.get("/staff/projects", follow_redirects=False)
    assert anonymous.status_code == 303 and "/auth/login" in anonymous.headers["location"]
    csrf = signed_in(client)
    new = client.get("/staff/projects/new")
    assert new.status_code == 200 and 'name="csrf_token"' in new.text
    refused = client.post("/staff/projects", data={"title": "No token"}, follow_redirects=False)
    assert refused.status_code == 403
    invalid = client.post("/staff/projects", data={
        "csrf_token": csrf, "title": "Square", "starts_on": "2026-05-01",
        "ends_on": "2026-04-01"})
    assert invalid.status_code == 422 and "must not be before" in invalid.text
    assert 'value="Square"' in invalid.text  # what was typed is kept
    created = client.post("/staff/projects", follow_redirects=False, data={
        "csrf_token": csrf, "title": "Museum square", "areas": ["keskusta", "itainen"],
        "starts_on": "2026-01-15", "ends_on": "2026-12-31", "due_1": "2026-02-01"})
    assert created.status_code == 303
    url = created.headers["location"]
    project_id = url.rsplit("/", 1)[1]

    page = client.get(url)
    assert page.status_code == 200 and 'action="/staff/projects/' in page.text
    assert "/steps/1/complete" in page.text and 'name="target_groups"' in page.text
    step1 = client.post(f"{url}/steps/1/complete", follow_redirects=False, data={
        "csrf_token": csrf, "goal": "A square for everyone", "input_wanted": "Wishes",
        "target_groups": "residents\nyoung people\n"})
    assert step1.status_code == 303
    step2 = client.post(f"{url}/steps/2/complete", data={
        "csrf_token": csrf, "methods": ["workshop", "map_survey"], "mode": "both",
        "starts_on": "2026-02-01", "ends_on": "2026-03-01",
        "sessions.0.title": "Workshop", "sessions.0.starts_at": f"{FUTURE}T17:00",
        "sessions.0.capacity": "-4"})
    assert step2.status_code == 422 and "non-negative" in step2.text
    assert 'value="Workshop"' in step2.text and 'value="workshop" checked' in step2.text
    step2 = client.post(f"{url}/steps/2/complete", follow_redirects=False, data={
        "csrf_token": csrf, "methods": ["workshop"], "mode": "both",
        "starts_on": "2026-02-01", "ends_on": "2026-03-01",
        "sessions.0.title": "Workshop", "sessions.0.starts_at": f"{FUTURE}T17:00",
        "sessions.0.capacity": "25", "sessions.1.title": "", "sessions.1.starts_at": ""})
    assert step2.status_code == 303
    skip = client.post(f"{url}/steps/4/complete", data={"csrf_token": csrf})
    assert skip.status_code == 409 and "current step is 3" in skip.text
    step3 = client.post(f"{url}/steps/3/complete", follow_redirects=False, data={
        "csrf_token": csrf, "how_to_take_part": "Come to the workshop.",
        "channels": ["omalahti"], "languages": "fi, sv", "plain_language": "true"})
    assert step3.status_code == 303
    view = client.get(f"/api/v1/staff/projects/{project_id}").json()
    assert view["steps"][0]["outputs"]["target_groups"] == ["residents", "young people"]
    assert view["steps"][2]["outputs"]["languages"] == ["fi", "sv"]
    assert view["steps"][2]["outputs"]["plain_language"] is True
    assert view["sessions"][0]["capacity"] == 25 and view["published"]

    reopen = client.post(f"{url}/steps/3/reopen", data={"csrf_token": csrf, "reason": ""})
    assert reopen.status_code == 422 and "reason" in reopen.text
    reopen = client.post(f"{url}/steps/3/reopen", follow_redirects=False,
                         data={"csrf_token": csrf, "reason": "Add English"})
    assert reopen.status_code == 303
    draft = client.get(url).text
    assert "Add English" in draft and "Come to the workshop." in draft  # the draft is kept
    due = client.post(f"{url}/steps/3/due", follow_redirects=False,
                      data={"csrf_token": csrf, "due_on": "2026-01-01"})
    assert due.status_code == 303
    board = client.get("/staff/projects")
    assert board.status_code == 200 and "Museum square" in board.text
    column3 = re.search(r'id="column-3"(.*?)id="column-4"', board.text, re.S).group(1)
    assert "Museum square" in column3 and "overdue" in column3

    # The rest of the steps, each through its form.
    forms = {
        3: {"how_to_take_part": "Come to the workshop.", "channels": ["omalahti", "schools"],
            "languages": "fi\nsv\nen", "plain_language": "true"},
        4: {"sessions_held.0.title": "Workshop", "sessions_held.0.held_on": "2026-02-10",
            "sessions_held.0.participant_count": "31", "survey_answer_count": "12"},
        5: {"results_summary": "31 came; most want shade.", "plain_language_summary":
            "31 ihmistä tuli. Moni toivoo varjoa.", "next_steps": "The board decides in May."},
        6: {"decision_body": "City board", "decided_on": "2026-05-12", "reference": "§ 12",
            "taken_into_account": "Trees for shade."},
        7: {"impact_statement": "Twelve trees will be planted.", "plain_language_statement":
            "Toriin istutetaan 12 puuta.", "participant_count": "43",
            "channels": ["messages_to_participants"]},
    }
    for number, data in forms.items():
        if number == 4:  # the planned session is offered as held
            step4_form = client.get(url).text
            assert 'name="sessions_held.0.title" size="60" value="Workshop"' in step4_form
        done = client.post(f"{url}/steps/{number}/complete", follow_redirects=False,
                           data={"csrf_token": csrf, **data})
        assert done.status_code == 303, (number, done.text[-2000:])
    finished = client.get(f"/api/v1/staff/projects/{project_id}").json()
    assert finished["finished"] and finished["participant_count"] == 43
    assert finished["steps"][3]["outputs"]["participant_count"] == 31
    assert "Finished" in client.get(url).text


def test_public_pages_show_the_project_and_take_part_without_javascript(client, platform):
    staff = bearer()
    project_id = new_project(client, staff, title="Harbour sauna")
    for number in (1, 2, 3):
        complete(client, project_id, number, staff, **(
            {"sessions": [{"title": "Sauna evening", "starts_at": f"{FUTURE}T18:00"}]}
            if number == 2 else {}))
    listing = client.get("/projects")
    assert listing.status_code == 200 and "Harbour sauna" in listing.text
    page = client.get(f"/projects/{project_id}")
    assert page.status_code == 200
    assert "Answer the map survey or come to the workshop." in page.text  # how to take part
    assert f"/projects/{project_id}/sessions/s1/register" in page.text
    registered = client.post(f"/projects/{project_id}/sessions/s1/register",
                             data={"email": "sauna@example.fi", "language": "fi"})
    assert registered.status_code == 201 and "Sauna evening" in registered.text
    wrong = client.post(f"/projects/{project_id}/sessions/s1/register",
                        data={"email": "not-mail"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text

    feedback = client.post(f"/projects/{project_id}/feedback",
                           data={"text": "More benches, please", "area": "keskusta"})
    assert feedback.status_code == 201 and "KL-" in feedback.text
    platform.deliver_feedback()
    view = client.get(f"/api/v1/staff/projects/{project_id}", headers=staff).json()
    assert view["linked_feedback"]["count"] == 1

    complete(client, project_id, 4, staff)
    assert "How was taking part?" in client.get(f"/projects/{project_id}").text
    rated = client.post(f"/projects/{project_id}/satisfaction", data={"score": "5"})
    assert rated.status_code == 201
    not_chosen = client.post(f"/projects/{project_id}/satisfaction", data={})
    assert not_chosen.status_code == 422
    for number in (5, 6, 7):
        complete(client, project_id, number, staff)
    finished = client.get(f"/projects/{project_id}").text
    assert "Puut jäävät. Tulee 40 penkkiä." in finished and "143" in finished
    assert client.get("/projects/not-a-project").status_code == 404
    finnish = client.get(f"/projects/{project_id}?lang=fi")
    assert finnish.status_code == 200 and "Kirkasta tavoite" in finnish.text


def test_the_plan_page_shows_the_annual_clock_and_saves_the_plan(client, platform):
    csrf = signed_in(client)
    project_id = new_project(client, bearer(), title="Library hours")
    page = client.get("/staff/plans/culture/2026")
    assert page.status_code == 200 and "Library hours" in page.text  # offered to link
    saved = client.post("/staff/plans/culture/2026", follow_redirects=False, data={
        "csrf_token": csrf, "entries.0.month": "3", "entries.0.title": "Library survey",
        "entries.0.method": "resident_survey", "entries.0.project_id": project_id,
        "entries.1.month": "", "entries.1.title": ""})
    assert saved.status_code == 303
    clock = client.get("/api/v1/staff/plans/culture/2026").json()
    assert clock["months"][2]["planned"][0]["project_title"] == "Library hours"
    wrong = client.post("/staff/plans/culture/2026", data={
        "csrf_token": csrf, "entries.0.month": "3", "entries.0.title": ""})
    assert wrong.status_code == 422 and "entries[0].title" in wrong.text
    other = client.get("/staff/plans/education/2026")
    assert other.status_code == 403
    assert [e.name for e in platform.relay()].count("ParticipationPlanSaved") == 1
