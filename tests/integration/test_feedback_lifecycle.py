"""Feedback's whole lifecycle on real Kafka and FerretDB, through the gateway: a resident
with contact details, staff assigning and answering, the resident reading the answer, the
events on Kafka, overdue flags, and bad input."""

import json
import uuid
from datetime import timedelta

import httpx
import pymongo
import pytest

from services.common import store
from services.common.context import ServiceContext
from services.common.envelope import decode, utcnow
from services.feedback import domain, repository
from services.gateway import dev_issuer
from services.runstack import ProcessGroup
from tests.integration.conftest import LOG_DIR, MONGO_URI, PORT_BASE, PORTS, read_topic, wait_until

GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"
IDEA = {"text": "Liipolan puistoon lisää penkkejä ja valoja", "kind": "idea", "area": "itainen",
        "district": "Liipola", "language": "fi"}


def resident() -> dict[str, str]:
    """Each test's resident has an address of its own (the gateway trusts X-Forwarded-For
    from localhost, as from a local proxy), so rate limits of other tests do not mix in."""
    return {"x-forwarded-for": f"10.3.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


def staff(role="staff", unit="urban-environment") -> dict[str, str]:
    return {"authorization": f"Bearer {dev_issuer.mint(role, unit=unit)}"}


def records_of(feedback_id: str, predicate, timeout: float = 30.0):
    key = feedback_id.encode()
    records = read_topic("kuultu.feedback",
                         lambda rs: predicate([r for r in rs if r.key == key]), timeout)
    return [r for r in records if r.key == key]


def names(records) -> list[str]:
    return [decode(r.key, r.value, r.headers).name for r in records]


def test_resident_with_contact_is_answered_and_reads_the_answer_by_receipt(platform):
    correlation_id = str(uuid.uuid4())
    email = f"asukas-{uuid.uuid4().hex[:8]}@example.fi"
    created = httpx.post(f"{GATEWAY}/api/v1/feedback",
                         headers={**resident(), "x-correlation-id": correlation_id},
                         json={**IDEA, "participant_id": "p-" + "0" * 32,
                               "contact": {"email": email, "language": "fi",
                                           "consents": {"answer": True}}})
    assert created.status_code == 201, created.text
    feedback_id, receipt = created.json()["id"], created.json()["receipt_code"]

    detail = httpx.get(f"{GATEWAY}/api/v1/staff/feedback/{feedback_id}", headers=staff())
    participant_id = detail.json()["participant_id"]
    assert domain.PARTICIPANT_PATTERN.match(participant_id) and participant_id != "p-" + "0" * 32
    assert email not in detail.text
    # The contact itself lives only in the notifications service's database.
    client = pymongo.MongoClient(MONGO_URI, retryWrites=False)
    try:
        contact = client["kuultu_notifications"]["contacts"].find_one({"_id": participant_id})
        assert contact["email"] == email
        stored = client["kuultu_feedback"]["feedback"].find_one({"_id": feedback_id})
        assert email not in json.dumps(stored, default=str)
    finally:
        client.close()

    assigned = httpx.post(f"{GATEWAY}/api/v1/staff/feedback/{feedback_id}/assign",
                          headers=staff(), json={"unit": "urban-environment"})
    assert assigned.status_code == 200 and assigned.json()["status"] == "in_progress"
    answer_text = f"Kiitos! Penkit asennetaan toukokuussa ({uuid.uuid4().hex[:6]})."
    answered = httpx.post(f"{GATEWAY}/api/v1/staff/feedback/{feedback_id}/answer",
                          headers=staff(), json={"text": answer_text, "public": True})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    status = httpx.get(f"{GATEWAY}/api/v1/feedback/receipts/{receipt}").json()
    assert status["status"] == "answered"
    assert status["answers"] == [{"at": answered.json()["answers"][0]["at"], "text": answer_text}]
    assert [h["status"] for h in status["history"]] == ["received", "in_progress", "answered"]
    assert "participant" not in json.dumps(status) and IDEA["text"] not in json.dumps(status)

    ours = records_of(feedback_id, lambda rs: "FeedbackAnswered" in names(rs))
    assert names(ours) == ["FeedbackReceived", "FeedbackStatusChanged", "FeedbackStatusChanged",
                           "FeedbackAnswered"]
    answered_event = decode(ours[-1].key, ours[-1].value, ours[-1].headers)
    assert answered_event.data["participant_id"] == participant_id
    assert answered_event.data["unit"] == "urban-environment"
    assert answered_event.data["public"] is True and answered_event.data["first_answer"] is True
    received_event = decode(ours[0].key, ours[0].value, ours[0].headers)
    assert received_event.correlation_id == correlation_id
    for record in ours:
        value = record.value.decode()
        assert answer_text not in value and IDEA["text"] not in value and email not in value


def test_initiatives_must_be_answered_publicly_and_closing_is_recorded(platform):
    created = httpx.post(f"{GATEWAY}/api/v1/feedback", headers=resident(),
                         json={**IDEA, "kind": "initiative", "channel": "initiative"}).json()
    path = f"{GATEWAY}/api/v1/staff/feedback/{created['id']}"
    refused = httpx.post(f"{path}/close", headers=staff())
    assert refused.status_code == 409 and "initiative" in refused.json()["message"]
    httpx.post(f"{path}/answer", headers=staff(),
               json={"text": "Kaupunginhallitus päätti toteuttaa aloitteen.", "public": True})
    closed = httpx.post(f"{path}/close", headers=staff())
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    ours = records_of(created["id"], lambda rs: any(
        decode(r.key, r.value, r.headers).data.get("to_status") == "closed" for r in rs))
    changes = [decode(r.key, r.value, r.headers).data for r in ours]
    assert [(c.get("from_status"), c.get("to_status")) for c in changes[1:] if "to_status" in c] \
        == [("received", "in_progress"), ("in_progress", "answered"), ("answered", "closed")]


@pytest.fixture
def feedback_database(real_stack):
    """The feedback service's own database on FerretDB, as the running service sees it."""
    store.disconnect("feedback")
    store.connect("feedback", MONGO_URI)
    yield ServiceContext(service="feedback", topic="kuultu.feedback")
    store.disconnect("feedback")


def test_overdue_feedback_is_flagged_per_unit_and_counted_in_the_gauge(platform,
                                                                       feedback_database):
    unit = f"test-unit-{uuid.uuid4().hex[:8]}"
    coordinator = staff("coordinator", unit=None)
    set_time = httpx.put(f"{GATEWAY}/api/v1/staff/feedback/answer-times/{unit}",
                         headers=coordinator, json={"days": 3})
    assert set_time.status_code == 200
    late, fresh = (domain.submit({**IDEA, "unit": unit}, now=utcnow() - timedelta(days=days))
                   for days in (4, 2))
    for feedback in (late, fresh):
        repository.save(feedback, feedback_database, "overdue-test")

    overdue = httpx.get(f"{GATEWAY}/api/v1/staff/feedback", headers=coordinator,
                        params={"unit": unit, "overdue": "true"}).json()
    assert [i["id"] for i in overdue["items"]] == [late.id] and overdue["items"][0]["overdue"]
    on_time = httpx.get(f"{GATEWAY}/api/v1/staff/feedback", headers=coordinator,
                        params={"unit": unit, "overdue": "false"}).json()
    assert [i["id"] for i in on_time["items"]] == [fresh.id]
    metrics = httpx.get(f"http://127.0.0.1:{PORTS['feedback']}/metrics").text
    assert f'kuultu_feedback_overdue{{unit="{unit}"}} 1.0' in metrics

    httpx.post(f"{GATEWAY}/api/v1/staff/feedback/{late.id}/answer", headers=coordinator,
               json={"text": "Vastaus myöhässä", "public": True})
    metrics = httpx.get(f"http://127.0.0.1:{PORTS['feedback']}/metrics").text
    assert f'kuultu_feedback_overdue{{unit="{unit}"}} 0.0' in metrics
    ours = records_of(late.id, lambda rs: "FeedbackAnswered" in names(rs))
    assert decode(ours[-1].key, ours[-1].value, ours[-1].headers).data["on_time"] is False


def test_bad_input_is_refused_with_a_reason_per_field(platform):
    reply = httpx.post(f"{GATEWAY}/api/v1/feedback", headers=resident(), json={
        "text": "<b>" + "x" * 4001, "kind": "rant", "area": "moon", "colour": "red",
        "contact": {"email": "not-an-address", "consents": {"spam": True}}})
    assert reply.status_code == 422
    fields = reply.json()["fields"]
    assert set(fields) == {"text", "kind", "area", "colour", "contact.email", "contact.consents"}
    assert "keskusta" in fields["area"] and "4000" in fields["text"]
    assert httpx.post(f"{GATEWAY}/api/v1/feedback", content=b"[1, 2]",
                      headers={**resident(), "content-type": "application/json"}
                      ).status_code == 422
    assert httpx.get(f"{GATEWAY}/api/v1/feedback/receipts/KL-2222-2222").status_code == 404
    assert httpx.get(f"{GATEWAY}/api/v1/feedback/receipts/nonsense").status_code == 422

    created = httpx.post(f"{GATEWAY}/api/v1/feedback", headers=resident(), json=IDEA).json()
    path = f"{GATEWAY}/api/v1/staff/feedback/{created['id']}"
    assert httpx.get(path).status_code == 401
    httpx.post(f"{path}/assign", headers=staff(), json={"unit": "libraries"})
    assert httpx.get(path, headers=staff()).status_code == 403  # another unit's now
    missing = httpx.post(f"{path}/answer", headers=staff(unit="libraries"), json={"text": ""})
    assert missing.status_code == 422 and set(missing.json()["fields"]) == {"text", "public"}
    assert httpx.post(f"{GATEWAY}/api/v1/staff/feedback/{uuid.uuid4()}/close",
                      headers=staff("coordinator")).status_code == 404


@pytest.fixture(scope="module")
def strict_gateway(platform):
    """A second gateway replica with small limits, in front of the same services."""
    group = ProcessGroup(env={**platform.env, "KUULTU_FEEDBACK_RATE_LIMIT": "2/60"},
                         log_dir=LOG_DIR)
    group.start("gateway#strict", PORT_BASE + 9)
    try:
        group.wait_ready("gateway#strict")
        yield group.url("gateway#strict")
    finally:
        group.stop_all()


def test_anonymous_submissions_are_limited_per_client_with_retry_after(strict_gateway):
    client = resident()
    sent = [httpx.post(f"{strict_gateway}/api/v1/feedback", headers=client, json=IDEA)
            for _ in range(3)]
    assert [r.status_code for r in sent] == [201, 201, 429]
    assert 0 < int(sent[2].headers["retry-after"]) <= 30  # one submission back per 30 s
    assert sent[2].json()["error"] == "rate_limited"
    other = httpx.post(f"{strict_gateway}/api/v1/feedback", headers=resident(), json=IDEA)
    assert other.status_code == 201
    wait_until(lambda: httpx.get(
        f"{GATEWAY}/api/v1/feedback/receipts/{sent[0].json()['receipt_code']}").status_code == 200)
