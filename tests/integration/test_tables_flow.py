"""The tables service on the real stack, through the gateway: bodies and open calls, applying
and withdrawing, every kind of refusal with its reason, and a selection whose decision is
published on Kafka (MembersSelected, ApplicationDecided) without personal data."""

import uuid
from datetime import date, timedelta

import httpx
import pytest

from services.common.envelope import decode
from services.gateway import dev_issuer
from tests.integration.conftest import PORTS, read_topic

GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"
STAFF = f"{GATEWAY}/api/v1/staff/tables"
TODAY = date.today()


def coordinator() -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint('coordinator', subject='tables-it')}"}


def birth_date(i: int) -> str:
    return date(1945 + (i % 8) * 8, 3, 1 + i).isoformat()


def applicant(body_id: str, i: int, **changes) -> dict:
    return {"body_id": body_id, "name": f"Integraatio Hakija {i}",
            "date_of_birth": birth_date(i), "area": "itainen",
            "represents": "resident", "motivation": f"Motivaatio {i}", **changes}


@pytest.fixture
def jury(platform):
    """A small body of its own (so the test does not depend on others' data) and a call
    for it that is open today."""
    body_id = f"it-jury-{uuid.uuid4().hex[:8]}"
    body = {"id": body_id, "kind": "jury", "name": {"fi": "Testiraati"}, "seats": 3,
            "term_months": 12, "eligible_areas": ["itainen", "keskusta"],
            "quota_features": ["age_band"]}
    created = httpx.post(f"{STAFF}/bodies", json=body, headers=coordinator(), timeout=30)
    assert created.status_code == 201, created.text
    call = httpx.post(f"{STAFF}/calls", headers=coordinator(), timeout=30, json={
        "title": "Testiraati", "body_ids": [body_id],
        "opens_on": (TODAY - timedelta(days=1)).isoformat(),
        "closes_on": (TODAY + timedelta(days=20)).isoformat(),
        "term_start": (TODAY + timedelta(days=40)).isoformat()})
    assert call.status_code == 201, call.text
    return body_id, call.json()


def test_bodies_and_open_calls_are_public(platform, jury):
    body_id, call = jury
    bodies = {b["id"]: b for b in httpx.get(f"{GATEWAY}/api/v1/bodies").json()["bodies"]}
    for area in ("keskusta", "itainen", "etelainen", "pohjoinen"):
        table = bodies[f"table-{area}"]
        assert (table["seats"], table["term_months"], table["min_age"]) == (20, 24, 13)
    assert bodies[body_id]["seats"] == 3
    open_calls = httpx.get(f"{GATEWAY}/api/v1/calls", params={"status": "open"}).json()
    assert call["id"] in [c["id"] for c in open_calls["calls"]]


def test_submit_withdraw_and_every_refusal_with_its_reason(platform, jury):
    body_id, call = jury
    apply_url = f"{GATEWAY}/api/v1/calls/{call['id']}/applications"
    first = httpx.post(apply_url, json=applicant(body_id, 1), timeout=30)
    assert first.status_code == 201, first.text

    refusals = {
        "under 13": ({**applicant(body_id, 2),
                      "date_of_birth": (TODAY - timedelta(days=12 * 365)).isoformat()},
                     422, "not_eligible", "date_of_birth"),
        "area": ({**applicant(body_id, 3), "area": "pohjoinen"}, 422, "not_eligible", "area"),
        "body": ({**applicant(body_id, 4), "body_id": "table-keskusta"}, 422, "not_eligible",
                 "body_id"),
        "duplicate": (applicant(body_id, 1), 409, "duplicate_application", "name"),
        "invalid": ({**applicant(body_id, 5), "area": "moon", "motivation": ""}, 422,
                    "validation_failed", "motivation"),
    }
    for what, (payload, status, error, field) in refusals.items():
        reply = httpx.post(apply_url, json=payload, timeout=30)
        assert reply.status_code == status, (what, reply.text)
        assert reply.json()["error"] == error and field in reply.json()["fields"], what

    created = first.json()
    withdraw_url = f"{GATEWAY}/api/v1/applications/{created['id']}/withdraw"
    assert httpx.post(withdraw_url, json={"withdrawal_code": "2222-2222-2222"}).status_code == 403
    withdrawn = httpx.post(withdraw_url, json={"withdrawal_code": created["withdrawal_code"]})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = httpx.post(withdraw_url, json={"withdrawal_code": created["withdrawal_code"]})
    assert again.status_code == 409

    assert httpx.post(f"{STAFF}/calls/{call['id']}/close", headers=coordinator()).status_code == 200
    closed = httpx.post(apply_url, json=applicant(body_id, 6), timeout=30)
    assert closed.status_code == 409 and closed.json()["error"] == "call_closed"
    assert "closed on" in closed.json()["fields"]["call"]


def test_a_call_not_yet_open_refuses(platform, jury):
    body_id, _ = jury
    later = httpx.post(f"{STAFF}/calls", headers=coordinator(), json={
        "title": "Myöhemmin", "body_ids": [body_id],
        "opens_on": (TODAY + timedelta(days=5)).isoformat(),
        "closes_on": (TODAY + timedelta(days=25)).isoformat(),
        "term_start": (TODAY + timedelta(days=40)).isoformat()}).json()
    reply = httpx.post(f"{GATEWAY}/api/v1/calls/{later['id']}/applications",
                       json=applicant(body_id, 7))
    assert reply.status_code == 409 and "not open yet" in reply.json()["fields"]["call"]


def test_selection_and_decision_are_published_on_kafka(platform, jury):
    body_id, call = jury
    apply_url = f"{GATEWAY}/api/v1/calls/{call['id']}/applications"
    ids = []
    for i in range(6):
        payload = applicant(body_id, 10 + i)
        if i == 0:
            payload["contact"] = {"email": "hakija@example.fi"}
        reply = httpx.post(apply_url, json=payload, timeout=30)
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    assert httpx.post(f"{STAFF}/calls/{call['id']}/close", headers=coordinator()).status_code == 200

    proposal = httpx.post(f"{STAFF}/calls/{call['id']}/selections", headers=coordinator(),
                          json={"body_id": body_id, "method": "maximin", "seed": 11},
                          timeout=60)
    assert proposal.status_code == 201, proposal.text
    report = proposal.json()["report"]
    assert report["selected_count"] == 3 and report["quotas_met"] is True
    assert sum(row["probability"] for row in report["applicants"]) == pytest.approx(3, abs=1e-3)

    decided = httpx.post(f"{STAFF}/calls/{call['id']}/selections/{body_id}/decision",
                         headers=coordinator(), timeout=30,
                         json={"decision_date": TODAY.isoformat(),
                               "decision_reference": "KH 1.12.2026 § 99"})
    assert decided.status_code == 200, decided.text
    members = httpx.get(f"{STAFF}/bodies/{body_id}/members", headers=coordinator()).json()
    assert len(members["members"]) == 3 and len(members["reserve"]) == 3

    def complete(records) -> bool:
        names = [decode(r.key, r.value, r.headers).name for r in records
                 if r.key in keys and r.value]
        return (names.count("ApplicationDecided") == 6 and names.count("MembersSelected") == 1
                and names.count("ApplicationSubmitted") == 6)

    keys = {body_id.encode(), *(i.encode() for i in ids)}
    records = [r for r in read_topic("kuultu.tables", complete, timeout=60) if r.key in keys]
    events = [decode(r.key, r.value, r.headers) for r in records]
    selected = next(e for e in events if e.name == "MembersSelected")
    assert selected.subject == body_id and selected.data["selected_count"] == 3
    assert selected.data["decision_reference"] == "KH 1.12.2026 § 99"
    assert sum(selected.data["composition"]["age_band"].values()) == 3
    decisions = {e.subject: e.data for e in events if e.name == "ApplicationDecided"}
    assert sorted(d["decision"] for d in decisions.values()) == ["reserve"] * 3 + ["selected"] * 3
    assert decisions[ids[0]]["participant_id"].startswith("p-")
    assert sum(e.name == "ApplicationSubmitted" for e in events) == 6
    personal = ["Integraatio", "Motivaatio", "hakija@example.fi",
                *(birth_date(10 + i) for i in range(6))]
    for record in records:
        text = record.value.decode()
        assert not [value for value in personal if value in text], text
