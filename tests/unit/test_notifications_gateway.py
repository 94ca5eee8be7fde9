"""Notifications through the gateway on the embedded default: the outbox staff can read,
the staff API and its roles, subscriptions with double opt-in, the unsubscribe link (page
and one-click) and erasure."""

import re
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from services import embedded
from services.common.envelope import encode, new_event
from services.common.kafka_bus import OutgoingMessage
from services.common.topology import PROJECTS_TOPIC
from services.gateway import dev_issuer

PROJECT = str(uuid.uuid4())


@pytest.fixture
def platform():
    p = embedded.build()
    p.start()
    with TestClient(p.app()) as client:
        client.platform = p
        yield client
    p.stop()


def bearer(role: str, unit: str | None = None) -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint(role, unit=unit)}"}




def wait_for(predicate, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def publish(client, event, topic=PROJECTS_TOPIC):
    message = encode(event)
    client.platform.bus.publish(topic, [OutgoingMessage(
        key=message.key.encode(), value=message.value, headers=list(message.headers.items()))])


def register(client, **contact) -> str:
    """As another service's gateway route does it."""
    import anyio

    reply = anyio.run(lambda: client.platform.clients()["notifications"].request(
        "POST", "/contacts", json=contact))
    assert reply.status == 201, reply.body
    return reply.body["participant_id"]


def outbox(client, headers) -> list[dict]:
    reply = client.get("/api/v1/staff/notifications/outbox", headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def results_event(unit="urban-environment"):
    return new_event("ResultsPublished", {
        "project_id": PROJECT, "unit": unit, "title": "Kauppatori", "areas": ["keskusta"],
        "summary": "Trees and benches.", "published_at": "2026-10-20T09:00:00Z"},
        service="projects", subject=PROJECT, correlation_id="c")


def test_staff_read_the_outbox_and_the_delivery_log_by_role_and_unit(platform):
    coordinator = bearer("coordinator")
    pid = register(platform, email="maija@example.fi", language="fi",
                   consents={"results": True})
    publish(platform, new_event("ParticipantJoined", {
        "project_id": PROJECT, "participant_id": pid, "via": "session",
        "joined_at": "2026-10-01T10:00:00Z"}, service="projects", subject=PROJECT,
        correlation_id="c"))
    publish(platform, results_event())
    items = wait_for(lambda: outbox(platform, coordinator))
    assert items[0]["to"] == "maija@example.fi"
    assert items[0]["subject"] == "Tulokset julkaistu: Kauppatori"

    log = platform.get("/api/v1/staff/notifications/messages", headers=coordinator).json()
    assert log["counts"]["sent"] == 1 and log["items"][0]["participant_id"] == pid
    assert "maija" not in str(log)  # the log has no addresses

    own_unit = bearer("staff", unit="urban-environment")
    other_unit = bearer("staff", unit="education")
    assert platform.get("/api/v1/staff/notifications/messages",
                        headers=own_unit).json()["total"] == 1
    assert platform.get("/api/v1/staff/notifications/messages",
                        headers=other_unit).json()["total"] == 0
    message_id = log["items"][0]["id"]
    assert platform.get(f"/api/v1/staff/notifications/messages/{message_id}",
                        headers=other_unit).status_code == 404
    assert outbox(platform, other_unit) == []
    assert platform.get("/api/v1/staff/notifications/messages").status_code == 401
    assert platform.get("/api/v1/staff/notifications/messages",
                        headers=bearer("evaluator")).status_code == 403

    page = platform.get("/staff/notifications", headers=coordinator)
    assert page.status_code == 200 and pid in page.text and "<caption>" in page.text
    page = platform.get("/staff/notifications/outbox", headers=coordinator)
    assert page.status_code == 200 and "maija@example.fi" in page.text
    detail = platform.get(f"/staff/notifications/messages/{message_id}", headers=coordinator)
    assert detail.status_code == 200 and "sent" in detail.text


def test_bad_staff_queries_get_reasons(platform):
    coordinator = bearer("coordinator")
    reply = platform.get("/api/v1/staff/notifications/messages",
                         params={"status": "lost", "limit": "many"}, headers=coordinator)
    assert reply.status_code == 422
    assert set(reply.json()["fields"]) == {"status", "limit"}
    reply = platform.get("/api/v1/staff/notifications/templates/nothing/preview",
                         headers=coordinator)
    assert reply.status_code == 404


def test_staff_preview_every_template_in_every_variant(platform):
    coordinator = bearer("coordinator")
    listing = platform.get("/api/v1/staff/notifications/templates", headers=coordinator).json()
    assert {t["trigger"] for t in listing["templates"]} >= {
        "FeedbackAnswered", "ResultsPublished", "ImpactCommunicated", "ApplicationDecided",
        "StatementAnswered", "AreaUpdate"}
    preview = platform.get("/api/v1/staff/notifications/templates/impact_communicated/preview",
                           params={"language": "fi", "plain_language": "true"},
                           headers=coordinator).json()
    assert preview["variant"] == "fi-plain" and preview["plain_language"] is True
    assert "Vanhat puut jäävät" in preview["body"]
    page = platform.get("/staff/notifications/templates", headers=coordinator,
                        params={"template": "application_decided", "language": "sv"})
    assert page.status_code == 200 and "Beslut om din ansökan" in page.text
    assert 'lang="sv"' in page.text


def test_a_subscription_is_confirmed_before_anything_else_is_sent(platform):
    coordinator = bearer("coordinator")
    bad = platform.post("/api/v1/notifications/subscriptions", json={"email": "nope",
                                                                     "areas": ["mars"]})
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"email", "areas"}
    reply = platform.post("/api/v1/notifications/subscriptions",
                          json={"email": "bertil@example.fi", "language": "sv",
                                "areas": ["keskusta"]})
    assert reply.status_code == 202
    again = platform.post("/api/v1/notifications/subscriptions",
                          json={"email": "bertil@example.fi", "areas": ["itainen"]})
    assert again.json()["areas"] == ["itainen", "keskusta"]
    confirmation, = wait_for(lambda: outbox(platform, coordinator))  # one, not two
    assert confirmation["subject"] == "Bekräfta din prenumeration"
    token = re.search(r"/subscriptions/confirm/(\S+)", confirmation["body"]).group(1)

    publish(platform, results_event())  # before confirming: nothing for the subscriber
    time.sleep(1.5)
    assert len(outbox(platform, coordinator)) == 1

    page = platform.get(f"/notifications/subscriptions/confirm/{token}")
    assert page.status_code == 200 and "<form" in page.text
    confirmed = platform.post(f"/notifications/subscriptions/confirm/{token}")
    assert confirmed.status_code == 200
    assert platform.post(f"/api/v1/notifications/subscriptions/confirm/{token}"
                         ).status_code == 404  # used

    publish(platform, results_event())
    update = wait_for(lambda: [m for m in outbox(platform, coordinator)
                               if m["subject"].startswith("Resultaten")])
    assert "Centrum" in update[0]["body"]


def test_the_unsubscribe_link_works_from_the_message_and_by_one_click(platform):
    coordinator = bearer("coordinator")
    pid = register(platform, email="chen@example.fi", language="en",
                   consents={"results": True, "impact": True})
    publish(platform, new_event("ParticipantJoined", {
        "project_id": PROJECT, "participant_id": pid, "via": "survey",
        "joined_at": "2026-10-01T10:00:00Z"}, service="projects", subject=PROJECT,
        correlation_id="c"))
    publish(platform, results_event())
    mail, = wait_for(lambda: outbox(platform, coordinator))
    link = re.search(r"http://127.0.0.1:8000(/notifications/unsubscribe/\S+)", mail["body"])
    token = link.group(1).rsplit("/", 1)[1]
    one_click = mail["headers"]["List-Unsubscribe"].strip("<>").replace(
        "http://127.0.0.1:8000", "")

    page = platform.get(link.group(1), params={"lang": "en"})
    assert page.status_code == 200 and "c***@example.fi" in page.text
    stopped = platform.post(one_click, data={"List-Unsubscribe": "One-Click"})
    assert stopped.status_code == 200 and stopped.json() == {"status": "unsubscribed"}
    assert platform.get(f"/api/v1/notifications/unsubscribe/{token}").json()[
        "status"] == "unsubscribed"

    publish(platform, results_event())
    time.sleep(1.5)
    log = platform.get("/api/v1/staff/notifications/messages", headers=coordinator).json()
    assert log["counts"] == {"queued": 0, "sending": 0, "sent": 1, "failed": 0,
                             "undeliverable": 0, "cancelled": 0}  # nothing queued without consent

    erased = platform.post(link.group(1), data={"action": "erase"})
    assert erased.status_code == 200
    assert outbox(platform, coordinator) == []  # the copy with the address is gone
    assert platform.get(link.group(1)).status_code == 404


def test_erasure_by_staff_needs_a_coordinator(platform):
    pid = register(platform, email="dana@example.fi")
    path = f"/api/v1/staff/notifications/contacts/{pid}"
    assert platform.delete(path, headers=bearer("staff", unit="urban-environment")
                           ).status_code == 403
    assert platform.delete(path, headers=bearer("coordinator")).json() == {"erased": pid}
    assert platform.delete(path, headers=bearer("coordinator")).status_code == 404


def test_the_subscription_page_works_without_javascript(platform):
    page = platform.get("/notifications/subscribe", params={"lang": "fi"})
    assert page.status_code == 200 and 'for="s-email"' in page.text
    refused = platform.post("/notifications/subscribe", data={"email": "x"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    sent = platform.post("/notifications/subscribe",
                         data={"email": "eeva@example.fi", "areas": ["pohjoinen", "itainen"],
                               "language": "fi", "plain_language": "true"})
    assert sent.status_code == 202 and "Katso sähköpostisi" in sent.text
