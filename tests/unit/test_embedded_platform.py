"""The embedded default end to end through the gateway: the vertical slice."""

import time

import pytest
from fastapi.testclient import TestClient

from services import embedded

GOOD = {"text": "Kauppatorille lisää puita", "kind": "idea", "area": "keskusta"}


@pytest.fixture
def platform():
    p = embedded.build()
    p.start()
    with TestClient(p.app()) as client:
        yield client
    p.stop()


def count(client):
    return client.get("/api/v1/evaluation/summary").json()["feedback_received"]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_feedback_reaches_the_evaluation_summary(platform):
    assert count(platform) == 0
    reply = platform.post("/api/v1/feedback", json=GOOD, headers={"x-correlation-id": "abc"})
    assert reply.status_code == 201
    assert reply.headers["x-correlation-id"] == "abc"
    body = reply.json()
    assert body["receipt_code"].startswith("KL-")
    assert wait_for(lambda: count(platform) == 1)
    summary = platform.get("/api/v1/evaluation/summary", params={"area": "keskusta"}).json()
    assert summary["feedback_by_kind"] == {"idea": 1}
    status = platform.get(f"/api/v1/feedback/receipts/{body['receipt_code']}")
    assert status.status_code == 200 and status.json()["status"] == "received"


def test_bad_input_gets_reasons_and_changes_nothing(platform):
    reply = platform.post("/api/v1/feedback", json={**GOOD, "area": "moon", "kind": None})
    assert reply.status_code == 422
    assert set(reply.json()["fields"]) == {"area", "kind"}
    assert platform.post("/api/v1/feedback", json=["not", "an", "object"]).status_code == 422
    assert platform.get("/api/v1/evaluation/summary", params={"month": "May"}).status_code == 422
    assert platform.get("/api/v1/feedback/receipts/KL-2222-2222").status_code == 404
    time.sleep(0.2)
    assert count(platform) == 0


def test_pages_health_and_metrics(platform):
    page = platform.get("/?lang=en")  # Finnish is the default; English is remembered below
    assert page.status_code == 200 and "Give feedback" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    form = platform.post("/feedback", data={"text": "Hieno tapahtuma", "kind": "praise",
                                            "area": "itainen"})
    assert form.status_code == 201 and "receipt code" in form.text
    assert platform.get("/readyz").json()["status"] == "ready"
    assert platform.get("/statusz").json()["services"]["feedback"] == "ready"
    assert wait_for(lambda: "kuultu_events_published_total" in platform.get("/metrics").text)


def test_staff_endpoints_need_a_valid_token(platform, tmp_path, monkeypatch):
    from services.gateway import dev_issuer

    assert platform.get("/api/v1/staff/whoami").status_code == 401
    bad = platform.get("/api/v1/staff/whoami", headers={"authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401 and "refused" in bad.json()["message"]
    token = dev_issuer.mint("coordinator", unit="urban-environment", subject="anna")
    me = platform.get("/api/v1/staff/whoami", headers={"authorization": f"Bearer {token}"})
    assert me.json() == {"id": "anna", "roles": ["coordinator"], "unit": "urban-environment"}
    expired = dev_issuer.mint("staff", ttl=-3600)
    assert platform.get("/api/v1/staff/whoami",
                        headers={"authorization": f"Bearer {expired}"}).status_code == 401


def test_every_answer_is_counted_by_route_and_status_and_carries_a_correlation_id(platform):
    def counted(status: str) -> float:
        text = platform.get("/metrics").text
        sample = ('kuultu_gateway_requests_total{method="POST",route="/api/v1/feedback",'
                  f'status="{status}"}}')
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(sample))

    before_201, before_422 = counted("201"), counted("422")
    accepted = platform.post("/api/v1/feedback", json=GOOD)
    refused = platform.post("/api/v1/feedback", json={"kind": "idea"})
    assert (accepted.status_code, refused.status_code) == (201, 422)
    assert counted("201") == before_201 + 1 and counted("422") == before_422 + 1
    made = {accepted.headers["x-correlation-id"], refused.headers["x-correlation-id"]}
    assert len(made) == 2 and all(len(c) == 36 for c in made)  # made for each request
    assert refused.headers["x-content-type-options"] == "nosniff"
