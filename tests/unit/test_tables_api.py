"""The tables service through the gateway in the embedded default: the public API with the
contact registry composed in, the coordinators' API and pages, and the event flow."""

import time
from datetime import date, timedelta

import mongoengine
import pytest
from fastapi.testclient import TestClient

from services import embedded
from services.gateway import dev_issuer
from services.tables import repository

APPLICANT = {"body_id": "table-itainen", "name": "Aino Asukas", "date_of_birth": "1990-04-12",
             "area": "itainen", "represents": "association",
             "organisation": "Liipolan asukasyhdistys", "motivation": "Puistot kuntoon",
             "language": "fi"}


@pytest.fixture
def client():
    platform = embedded.build()
    platform.start()
    with TestClient(platform.app()) as test_client:
        yield test_client
    platform.stop()


def bearer(role: str = "coordinator") -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint(role, subject=f'{role}-1')}"}


def open_call(client, body_ids=("table-itainen",), **changes) -> dict:
    today = date.today()
    payload = {"title": "Kumppanuuspöydät 2027–2028", "body_ids": list(body_ids),
               "opens_on": (today - timedelta(days=1)).isoformat(),
               "closes_on": (today + timedelta(days=30)).isoformat(),
               "term_start": (today + timedelta(days=60)).isoformat(), **changes}
    reply = client.post("/api/v1/staff/tables/calls", json=payload, headers=bearer())
    assert reply.status_code == 201, reply.text
    return reply.json()


def contacts() -> int:
    return mongoengine.get_db("notifications")["contacts"].count_documents({})


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_bodies_are_seeded_with_their_rules_and_a_change_survives_reseeding(client):
    bodies = {b["id"]: b for b in client.get("/api/v1/bodies").json()["bodies"]}
    assert {"table-keskusta", "table-itainen", "table-etelainen", "table-pohjoinen",
            "youth-council", "elderly-council", "disability-council", "resident-jury",
            "citizens-panel"} <= set(bodies)
    table = bodies["table-pohjoinen"]
    assert (table["seats"], table["term_months"], table["min_age"], table["max_age"]) == (
        20, 24, 13, None)
    assert table["eligible_areas"] == ["keskusta", "itainen", "etelainen", "pohjoinen"]
    assert bodies["youth-council"]["max_age"] == 18
    tables = client.get("/api/v1/bodies", params={"kind": "partnership_table"}).json()
    assert len(tables["bodies"]) == 4

    changed = client.put("/api/v1/staff/tables/bodies/citizens-panel", headers=bearer(),
                         json={"seats": 24, "min_age": 16})
    assert changed.status_code == 200 and changed.json()["seats"] == 24
    repository.seed_bodies()
    again = client.get("/api/v1/bodies/citizens-panel").json()
    assert (again["seats"], again["min_age"]) == (24, 16)
    refused = client.put("/api/v1/staff/tables/bodies/citizens-panel", headers=bearer(),
                         json={"seats": 0, "eligible_areas": ["mars"]})
    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {"seats", "eligible_areas"}


def test_open_calls_are_listed_and_an_application_is_submitted_and_withdrawn(client):
    call = open_call(client)
    listed = client.get("/api/v1/calls", params={"status": "open"}).json()["calls"]
    assert [c["id"] for c in listed] == [call["id"]]
    assert client.get("/api/v1/calls", params={"status": "closed"}).json()["calls"] == []
    assert client.get("/api/v1/calls", params={"status": "soon"}).status_code == 422

    before = contacts()
    reply = client.post(f"/api/v1/calls/{call['id']}/applications",
                        json={**APPLICANT, "contact": {"email": "aino@example.fi"}})
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert created["status"] == "submitted" and "participant_id" not in created
    assert contacts() == before + 1  # the contact is kept by notifications only
    staff_view = client.get(f"/api/v1/staff/tables/applications/{created['id']}",
                            headers=bearer()).json()
    assert staff_view["has_contact"] is True and staff_view["name"] == "Aino Asukas"
    assert "email" not in staff_view

    wrong = client.post(f"/api/v1/applications/{created['id']}/withdraw",
                        json={"withdrawal_code": "2222-2222-2222"})
    assert wrong.status_code == 403
    withdrawn = client.post(f"/api/v1/applications/{created['id']}/withdraw",
                            json={"withdrawal_code": created["withdrawal_code"]})
    assert withdrawn.status_code == 200
    assert withdrawn.json() == {"id": created["id"], "status": "withdrawn"}
    assert contacts() == before  # erased with the application
    after = client.get(f"/api/v1/staff/tables/applications/{created['id']}",
                       headers=bearer()).json()
    assert after["name"] is None and after["status"] == "withdrawn"


def test_refused_applications_leave_no_contact_behind(client):
    call = open_call(client)
    before = contacts()
    too_young = client.post(f"/api/v1/calls/{call['id']}/applications", json={
        **APPLICANT, "date_of_birth": (date.today() - timedelta(days=5 * 365)).isoformat(),
        "contact": {"email": "kid@example.fi"}})
    assert too_young.status_code == 422 and too_young.json()["error"] == "not_eligible"
    bad_contact = client.post(f"/api/v1/calls/{call['id']}/applications",
                              json={**APPLICANT, "contact": {"email": "not-an-address"}})
    assert bad_contact.status_code == 422
    assert "contact.email" in bad_contact.json()["fields"]
    assert client.post(f"/api/v1/calls/{call['id']}/applications",
                       json=APPLICANT).status_code == 201
    duplicate = client.post(f"/api/v1/calls/{call['id']}/applications",
                            json={**APPLICANT, "contact": {"phone": "+358 40 123 4567"}})
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "duplicate_application"
    forged = client.post(f"/api/v1/calls/{call['id']}/applications",
                         json={**APPLICANT, "participant_id": "p-" + "0" * 32})
    assert forged.status_code == 422
    assert contacts() == before
    assert client.post("/api/v1/calls/nope/applications", json=APPLICANT).status_code == 404


def test_staff_endpoints_need_a_coordinator(client):
    assert client.get("/api/v1/staff/tables/calls").status_code == 401
    assert client.get("/api/v1/staff/tables/calls", headers=bearer("staff")).status_code == 403
    assert client.get("/api/v1/staff/tables/calls", headers=bearer("admin")).status_code == 200
    assert client.post("/api/v1/staff/tables/retention/purge", json={"dry_run": True},
                       headers=bearer()).status_code == 403
    purge = client.post("/api/v1/staff/tables/retention/purge", json={"dry_run": True},
                        headers=bearer("admin"))
    assert purge.status_code == 200 and purge.json()["dry_run"] is True


def test_selection_decision_and_the_events_through_the_gateway(client):
    small = {"id": "test-jury", "kind": "jury", "name": {"fi": "Testiraati"}, "seats": 4,
             "term_months": 12, "quota_features": ["age_band"]}
    assert client.post("/api/v1/staff/tables/bodies", json=small,
                       headers=bearer()).status_code == 201
    call = open_call(client, body_ids=("test-jury",))
    for i, born in enumerate(("1950-01-01", "1960-01-01", "1970-01-01", "1980-01-01",
                              "1990-01-01", "2000-01-01", "2010-01-01")):
        reply = client.post(f"/api/v1/calls/{call['id']}/applications", json={
            "body_id": "test-jury", "name": f"Raati {i}", "date_of_birth": born,
            "area": "keskusta", "motivation": "mukaan"})
        assert reply.status_code == 201, reply.text
    assert wait_for(lambda: client.get("/api/v1/evaluation/summary").json()[
        "applications_submitted"] == 7)

    path = f"/api/v1/staff/tables/calls/{call['id']}/selections"
    preview = client.post(path, json={"body_id": "test-jury", "seed": 7}, headers=bearer())
    assert preview.status_code == 201 and preview.json()["preview"] is True
    early = client.post(f"{path}/test-jury/decision", headers=bearer(),
                        json={"decision_date": "2026-01-01", "decision_reference": "KH § 1"})
    assert early.status_code == 409
    assert client.post(f"/api/v1/staff/tables/calls/{call['id']}/close",
                       headers=bearer()).status_code == 200
    closed = client.post(f"/api/v1/calls/{call['id']}/applications", json={
        **APPLICANT, "body_id": "test-jury"})
    assert closed.status_code == 409 and closed.json()["error"] == "call_closed"

    proposal = client.post(path, json={"body_id": "test-jury", "seed": 7}, headers=bearer())
    assert proposal.status_code == 201
    report = proposal.json()["report"]
    assert report["selected_count"] == 4 and report["quotas_met"] is True
    assert all(row["name"] for row in report["applicants"])
    decided = client.post(f"{path}/test-jury/decision", headers=bearer(), json={
        "decision_date": date.today().isoformat(), "decision_reference": "KH 1.12.2026 § 7"})
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    members = client.get("/api/v1/staff/tables/bodies/test-jury/members", headers=bearer())
    assert len(members.json()["members"]) == 4 and len(members.json()["reserve"]) == 3
    public = client.get("/api/v1/bodies/test-jury").json()["current_term"]
    assert public["member_count"] == 4 and public["members_listed"] == []  # no consents


def test_public_and_staff_pages(client):
    call = open_call(client)
    assert "Open calls for applications" in client.get("/tables?lang=en").text
    form = client.get(f"/tables/calls/{call['id']}")
    assert form.status_code == 200 and 'name="date_of_birth"' in form.text
    sent = client.post(f"/tables/calls/{call['id']}?lang=en", data={
        **{k: v for k, v in APPLICANT.items()}, "public_listing": "yes"})
    assert sent.status_code == 201 and "withdrawal code" in sent.text
    refused = client.post(f"/tables/calls/{call['id']}", data={**APPLICANT,
                                                                "date_of_birth": "2020-02-02"})
    assert refused.status_code == 422 and "at least 13" in refused.text
    anonymous = client.get("/staff/tables", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307)
    for url in ("/staff/tables", f"/staff/tables/calls/{call['id']}",
                f"/staff/tables/calls/{call['id']}/selection/table-itainen",
                "/staff/tables/bodies/table-itainen", "/tables/bodies/table-itainen"):
        page = client.get(url, headers=bearer())
        assert page.status_code == 200, url
        assert "<caption>" in page.text or "<h1>" in page.text
    listing = client.get(f"/staff/tables/calls/{call['id']}", headers=bearer()).text
    assert "Aino Asukas" in listing
