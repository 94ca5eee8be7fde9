"""The feedback service behind the gateway in the embedded default: contact composition,
staff work with role and unit checks, overdue flags and gauge, rate limit, pages, Open311
keys. (The same flows on real Kafka and FerretDB: tests/integration/test_feedback_*.)"""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services import embedded
from services.common.actor import Actor
from services.common.envelope import utcnow
from services.feedback import apikeys, domain, repository
from services.feedback.overdue import OverdueCollector
from services.gateway import dev_issuer
from services.gateway.ratelimit import RateLimiter
from services.gateway.sessions import SESSION_COOKIE
from services.notifications.documents import ContactDocument

IDEA = {"text": "Kauppatorille lisää penkkejä", "kind": "idea", "area": "keskusta"}


def bearer(role, unit=None, subject=None):
    return {"authorization": f"Bearer {dev_issuer.mint(role, unit=unit, subject=subject)}"}


@pytest.fixture(scope="module")
def who():
    """Tokens of the test's development issuer (its key is set up per test session)."""
    return {"staff": bearer("staff", "urban-environment", "sari"),
            "other_unit": bearer("staff", "libraries", "leena"),
            "coordinator": bearer("coordinator", subject="kaisa"),
            "evaluator": bearer("evaluator"),
            "admin": bearer("admin", subject="anu")}


@pytest.fixture
def platform():
    p = embedded.build()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def client(platform):
    with TestClient(platform.app()) as client:
        yield client


def submit(client, **fields):
    reply = client.post("/api/v1/feedback", json={**IDEA, **fields})
    assert reply.status_code == 201, reply.text
    return reply.json()


def contacts(platform):
    with platform.lock:
        return ContactDocument.objects.count()


def test_contact_details_go_to_the_registry_and_feedback_keeps_only_the_id(client, platform,
                                                                        who):
    sent_id = "p-" + "0" * 32  # a client cannot choose its participant id
    created = submit(client, contact={"email": "asukas@example.fi", "language": "sv"},
                     participant_id=sent_id)
    detail = client.get(f"/api/v1/staff/feedback/{created['id']}", headers=who["staff"]).json()
    assert domain.PARTICIPANT_PATTERN.match(detail["participant_id"])
    assert detail["participant_id"] != sent_id and detail["has_contact"] is True
    assert "asukas@example.fi" not in str(detail)
    with platform.lock:
        assert ContactDocument.objects(participant_id=detail["participant_id"]).first().email \
            == "asukas@example.fi"
    anonymous = submit(client)
    assert domain.RECEIPT_PATTERN.match(anonymous["receipt_code"])
    assert client.get(f"/api/v1/staff/feedback/{anonymous['id']}",
                      headers=who["staff"]).json()["participant_id"] is None


def test_invalid_contact_and_feedback_reasons_come_together_and_nothing_is_kept(client, platform):
    reply = client.post("/api/v1/feedback", json={**IDEA, "area": "moon",
                                                  "contact": {"email": "not-an-address"}})
    assert reply.status_code == 422
    assert set(reply.json()["fields"]) == {"contact.email", "area"}
    assert client.post("/api/v1/feedback", json={**IDEA, "contact": "me"}).json()["fields"] == {
        "contact": "must be an object: email and/or phone, language, plain_language, consents"}
    # The contact is valid but the feedback is not: the registered contact is erased again.
    reply = client.post("/api/v1/feedback", json={**IDEA, "text": "",
                                                  "contact": {"phone": "+358 40 123 4567"}})
    assert reply.status_code == 422 and set(reply.json()["fields"]) == {"text"}
    assert contacts(platform) == 0


def test_staff_work_through_the_lifecycle_and_the_resident_sees_the_answer(client, who):
    created = submit(client, contact={"email": "asukas@example.fi"})
    path = f"/api/v1/staff/feedback/{created['id']}"
    assigned = client.post(f"{path}/assign", headers=who["staff"], json={"unit": "urban-environment"})
    assert assigned.status_code == 200 and assigned.json()["status"] == "in_progress"
    private = client.post(f"{path}/answer", headers=who["staff"],
                          json={"text": "Yksityinen vastaus", "public": False})
    assert private.status_code == 200 and private.json()["status"] == "answered"
    public = client.post(f"{path}/answer", headers=who["staff"],
                         json={"text": "Penkit tulevat keväällä.", "public": True})
    assert [a["public"] for a in public.json()["answers"]] == [False, True]
    linked = client.post(f"{path}/link", headers=who["staff"],
                         json={"project_id": "0b8f5c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"})
    assert linked.json()["project_id"] == "0b8f5c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
    closed = client.post(f"{path}/close", headers=who["staff"])
    assert closed.json()["status"] == "closed"
    assert client.post(f"{path}/answer", headers=who["staff"],
                       json={"text": "Vielä", "public": True}).status_code == 409
    receipt = client.get(f"/api/v1/feedback/receipts/{created['receipt_code']}").json()
    assert receipt["status"] == "closed"
    assert [a["text"] for a in receipt["answers"]] == ["Penkit tulevat keväällä."]
    assert [h["action"] for h in receipt["history"]] == [
        "received", "assigned", "answered", "answered", "linked_to_project", "closed"]


def test_a_private_reply_to_anonymous_feedback_is_refused_with_a_reason(client, who):
    created = submit(client)
    reply = client.post(f"/api/v1/staff/feedback/{created['id']}/answer", headers=who["staff"],
                        json={"text": "Hei", "public": False})
    assert reply.status_code == 422 and "anonymous" in reply.json()["fields"]["public"]


def test_duplicates_show_the_originals_answer_on_the_receipt(client, who):
    original, duplicate = submit(client), submit(client)
    client.post(f"/api/v1/staff/feedback/{original['id']}/answer", headers=who["staff"],
                json={"text": "Tulossa.", "public": True})
    marked = client.post(f"/api/v1/staff/feedback/{duplicate['id']}/duplicate", headers=who["staff"],
                         json={"duplicate_of": original["id"]})
    assert marked.status_code == 200 and marked.json()["status"] == "closed"
    receipt = client.get(f"/api/v1/feedback/receipts/{duplicate['receipt_code']}").json()
    assert receipt["duplicate"] is True and receipt["answers"][0]["text"] == "Tulossa."
    unknown = client.post(f"/api/v1/staff/feedback/{original['id']}/duplicate", headers=who["staff"],
                          json={"duplicate_of": "no-such-id"})
    assert unknown.status_code == 422 and "duplicate_of" in unknown.json()["fields"]


def test_staff_see_their_own_unit_and_unassigned_feedback_only(client, who):
    ours, theirs, unassigned = submit(client), submit(client), submit(client)
    client.post(f"/api/v1/staff/feedback/{ours['id']}/assign", headers=who["staff"],
                json={"unit": "urban-environment"})
    client.post(f"/api/v1/staff/feedback/{theirs['id']}/assign", headers=who["other_unit"],
                json={"unit": "libraries"})
    inbox = client.get("/api/v1/staff/feedback", headers=who["staff"]).json()
    assert {i["id"] for i in inbox["items"]} == {ours["id"], unassigned["id"]}
    assert client.get(f"/api/v1/staff/feedback/{theirs['id']}", headers=who["staff"]).status_code == 403
    assert client.post(f"/api/v1/staff/feedback/{theirs['id']}/answer", headers=who["staff"],
                       json={"text": "x", "public": True}).status_code == 403
    assert client.get("/api/v1/staff/feedback", params={"unit": "libraries"},
                      headers=who["staff"]).status_code == 403
    everything = client.get("/api/v1/staff/feedback", headers=who["coordinator"]).json()
    assert everything["total"] == 3
    only = client.get("/api/v1/staff/feedback", params={"unit": "unassigned"},
                      headers=who["coordinator"]).json()
    assert [i["id"] for i in only["items"]] == [unassigned["id"]]
    assert client.get("/api/v1/staff/feedback", headers=who["evaluator"]).status_code == 403
    assert client.get("/api/v1/staff/feedback").status_code == 401
    bad = client.get("/api/v1/staff/feedback", params={"status": "lost", "overdue": "maybe",
                                                       "limit": "0"}, headers=who["coordinator"])
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"status", "overdue", "limit"}


def _received_days_ago(platform, days, unit=None):
    feedback = domain.submit({**IDEA, **({"unit": unit} if unit else {})},
                             now=utcnow() - timedelta(days=days))
    with platform.lock:
        repository.save(feedback, platform.contexts["feedback"], "test")
    return feedback.id


def test_overdue_follows_each_units_expected_answer_time(client, platform, who):
    late_default = _received_days_ago(platform, 15)
    fresh_library = _received_days_ago(platform, 3, unit="libraries")
    _received_days_ago(platform, 2)
    assert client.put("/api/v1/staff/feedback/answer-times/libraries", headers=who["staff"],
                      json={"days": 2}).status_code == 403
    assert client.put("/api/v1/staff/feedback/answer-times/libraries", headers=who["coordinator"],
                      json={"days": 0}).status_code == 422
    assert client.put("/api/v1/staff/feedback/answer-times/libraries", headers=who["coordinator"],
                      json={"days": 2}).json() == {"unit": "libraries", "days": 2}
    assert client.get("/api/v1/staff/feedback/answer-times", headers=who["staff"]).json() == {
        "default_days": 14, "units": {"libraries": 2}}
    overdue = client.get("/api/v1/staff/feedback", params={"overdue": "true"},
                         headers=who["coordinator"]).json()
    assert {i["id"] for i in overdue["items"]} == {late_default, fresh_library}
    assert all(i["overdue"] for i in overdue["items"])
    on_time = client.get("/api/v1/staff/feedback", params={"overdue": "false"},
                         headers=who["coordinator"]).json()
    assert on_time["total"] == 1 and not on_time["items"][0]["overdue"]
    with platform.lock:
        family, = OverdueCollector().collect()
    assert {s.labels["unit"]: s.value for s in family.samples} == {
        "unassigned": 1.0, "libraries": 1.0}
    assert 'kuultu_feedback_overdue{unit="libraries"} 1.0' in client.get("/metrics").text


def test_anonymous_submissions_are_limited_per_client(client, who):
    client.app.state.feedback_limiter = RateLimiter(2, 60)
    assert [client.post("/api/v1/feedback", json=IDEA).status_code for _ in range(2)] == [201, 201]
    refused = client.post("/api/v1/feedback", json=IDEA)
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 30
    assert refused.json()["error"] == "rate_limited"
    # Staff entering feedback for a resident are signed in, not anonymous.
    entered = client.post("/api/v1/staff/feedback", headers=who["staff"], json=IDEA)
    assert entered.status_code == 201


def test_staff_enter_feedback_on_a_residents_behalf(client, who):
    entered = client.post("/api/v1/staff/feedback", headers=who["staff"],
                          json={**IDEA, "contact": {"phone": "+358 40 765 4321"}}).json()
    detail = client.get(f"/api/v1/staff/feedback/{entered['id']}", headers=who["staff"]).json()
    assert detail["channel"] == "staff_entered" and detail["entered_by"] == "sari"
    assert detail["has_contact"] is True
    public = client.post("/api/v1/feedback", json={**IDEA, "channel": "staff_entered"})
    assert public.status_code == 422 and "channel" in public.json()["fields"]


def test_pages_escape_resident_text_and_answer_forms_work(client, who):
    created = submit(client, text="<script>alert('x')</script> penkit")
    inbox = client.get("/staff/feedback", headers=who["staff"])
    assert inbox.status_code == 200 and "<script>alert" not in inbox.text
    assert "&lt;script&gt;" in inbox.text
    detail = client.get(f"/staff/feedback/{created['id']}", headers=who["staff"])
    assert detail.status_code == 200 and 'name="public"' in detail.text
    answered = client.post(f"/staff/feedback/{created['id']}/answer", headers=who["staff"],
                           data={"text": "Kiitos <b>!</b>", "public": "true"},
                           follow_redirects=False)
    assert answered.status_code == 303
    shown = client.get(f"/staff/feedback/{created['id']}", headers=who["staff"]).text
    assert "Kiitos &lt;b&gt;!&lt;/b&gt;" in shown
    refused = client.post(f"/staff/feedback/{created['id']}/answer", headers=who["staff"],
                          data={"text": ""}, follow_redirects=False)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert client.get("/staff/feedback", follow_redirects=False).status_code == 303  # sign in


def test_admins_issue_and_revoke_open311_keys(client, who):
    assert client.post("/api/v1/admin/open311-keys", headers=who["coordinator"],
                       json={"name": "x"}).status_code == 403
    created = client.post("/api/v1/admin/open311-keys", headers=who["admin"],
                          json={"name": "Lahti e-feedback"})
    assert created.status_code == 201
    key = created.json()["api_key"]
    listed = client.get("/api/v1/admin/open311-keys", headers=who["admin"]).json()["keys"]
    assert [k["name"] for k in listed] == ["Lahti e-feedback"] and key not in str(listed)
    form = {"api_key": key, "service_code": "praise", "description": "Kiitos!",
            "attribute[area]": "etelainen"}
    assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    assert client.delete(f"/api/v1/admin/open311-keys/{created.json()['id']}",
                         headers=who["admin"]).json()["revoked_at"]
    refused = client.post("/open311/v2/requests.json", data=form)
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    page = client.get("/staff/open311-keys", headers=who["admin"])
    assert page.status_code == 200 and "Lahti e-feedback" in page.text


def test_the_development_key_is_installed_once_and_accepted(platform, client, tmp_path,
                                                            monkeypatch):
    monkeypatch.setenv("KUULTU_OPEN311_DEV_KEY_FILE", str(tmp_path / "dev-key"))
    key = apikeys.install_dev_key(platform)
    assert apikeys.install_dev_key(platform) == key == apikeys.dev_key()
    assert (tmp_path / "dev-key").stat().st_mode & 0o777 == 0o600
    reply = client.post("/open311/v2/requests.xml", data={
        "api_key": key, "service_code": "idea", "description": "Lisää roskiksia",
        "attribute[area]": "pohjoinen", "email": "asukas@example.fi", "first_name": "Matti"})
    assert reply.status_code == 200 and b"<service_request_id>" in reply.content
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"


def test_pages_work_with_a_browser_session_and_its_csrf_token(client):
    cookie, _csrf = client.app.state.sessions.issue(
        Actor("sari", frozenset({"staff"}), "urban-environment"))
    client.cookies.set(SESSION_COOKIE, cookie)
    created = submit(client)
    detail = client.get(f"/staff/feedback/{created['id']}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail.text).group(1)
    forged = client.post(f"/staff/feedback/{created['id']}/assign",
                         data={"unit": "urban-environment"}, follow_redirects=False)
    assert forged.status_code == 403  # no token, no same-origin header: not from our page
    assigned = client.post(f"/staff/feedback/{created['id']}/assign", follow_redirects=False,
                           data={"unit": "urban-environment", "csrf_token": token})
    assert assigned.status_code == 303
    assert "käsittelyssä" in client.get(f"/staff/feedback/{created['id']}").text  # in_progress
