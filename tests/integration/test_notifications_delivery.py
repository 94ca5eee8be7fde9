"""Impact messages on the real stack: Kafka, FerretDB and a real SMTP server (aiosmtpd in
this process). A notifications process and a gateway of their own are started for these
tests, with their own database and consumer group, so the shared platform (which has no
SMTP server) does not take their events."""

import os
import time
import uuid

import httpx
import pytest
from mongoengine import connect, disconnect

from services.common.envelope import decode, encode, new_event
from services.common.kafka_bus import KafkaPublisher, OutgoingMessage
from services.common.topology import FEEDBACK_TOPIC, NOTIFICATIONS_TOPIC, PROJECTS_TOPIC
from services.gateway import dev_issuer
from services.runstack import ProcessGroup, platform_env
from tests.integration.conftest import (
    KAFKA,
    LOG_DIR,
    MONGO_URI,
    PORT_BASE,
    PORTS,
    read_topic,
    wait_until,
)
from tests.unit.test_notifications_delivery import LocalSmtpServer

NOTIFICATIONS_PORT, GATEWAY_PORT = PORT_BASE + 10, PORT_BASE + 11
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
NOTIFICATIONS = f"http://127.0.0.1:{NOTIFICATIONS_PORT}"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def smtp():
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def stack(real_stack, smtp):
    database = f"kuultu_notifications_it_{RUN}"
    env = platform_env(dict(os.environ))
    env.update({f"KUULTU_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                for name, port in PORTS.items() if name != "gateway"})
    env.update({
        "KUULTU_NOTIFICATIONS_URL": NOTIFICATIONS,
        "KUULTU_MONGO_DATABASE": database,
        "KUULTU_CONSUMER_GROUP": f"kuultu-notifications-it-{RUN}",
        "KUULTU_PUBLIC_URL": GATEWAY,
        "KUULTU_SMTP_HOST": "127.0.0.1",
        "KUULTU_SMTP_PORT": str(smtp.port),
        "KUULTU_SMTP_SECURITY": "none",
        "KUULTU_NOTIFY_MAX_ATTEMPTS": "3",
        "KUULTU_NOTIFY_RETRY_SECONDS": "1",
    })
    group = ProcessGroup(env=env, log_dir=LOG_DIR / "notifications-smtp")
    try:
        group.start("notifications", NOTIFICATIONS_PORT)
        group.start("gateway", GATEWAY_PORT)
        for name in ("notifications", "gateway"):
            group.wait_ready(name, timeout=90)
        yield group
    finally:
        group.stop_all()
        connect(alias="cleanup", host=MONGO_URI, retryWrites=False).drop_database(database)
        disconnect(alias="cleanup")


@pytest.fixture(scope="module")
def publisher(real_stack):
    publisher = KafkaPublisher(KAFKA, client_id=f"test-notifications-{RUN}")
    yield publisher
    publisher.close()


def publish(publisher, topic, *events):
    messages = []
    for event in events:
        encoded = encode(event)
        messages.append(OutgoingMessage(key=encoded.key.encode(), value=encoded.value,
                                        headers=list(encoded.headers.items())))
    publisher.publish(topic, messages)


def staff() -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint('coordinator', subject='tester')}"}


def contact(address: str, **payload) -> str:
    reply = httpx.post(f"{NOTIFICATIONS}/contacts", json={"email": address, **payload})
    assert reply.status_code == 201, reply.text
    return reply.json()["participant_id"]


def messages(participant_id: str) -> list[dict]:
    reply = httpx.get(f"{GATEWAY}/api/v1/staff/notifications/messages",
                      params={"participant_id": participant_id}, headers=staff())
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def joined(project: str, pid: str, via: str = "session"):
    return new_event("ParticipantJoined", {"project_id": project, "participant_id": pid,
                                           "via": via, "joined_at": "2026-10-05T17:00:00Z"},
                     service="projects", subject=project, correlation_id=f"it-{RUN}")


def impact(project: str):
    return new_event("ImpactCommunicated", {
        "project_id": project, "unit": "urban-environment", "title": "Kauppatorin uudistus",
        "areas": ["keskusta"], "impact_statement": "The lindens stay and 40 benches come.",
        "plain_language_statement": "Vanhat puut jäävät. Toriin tulee 40 penkkiä.",
        "participant_count": 4, "communicated_at": "2027-03-01T09:00:00Z"},
        service="projects", subject=project, correlation_id=f"it-{RUN}")


def answered(pid: str):
    feedback_id = str(uuid.uuid4())
    return new_event("FeedbackAnswered", {
        "feedback_id": feedback_id, "answer_id": str(uuid.uuid4()), "kind": "idea",
        "area": "itainen", "unit": "urban-environment", "language": "fi",
        "participant_id": pid, "public": True, "received_at": "2027-02-20T10:00:00Z",
        "answered_at": "2027-03-01T08:00:00Z"}, service="feedback", subject=feedback_id,
        correlation_id=f"it-{RUN}")


def test_an_impact_message_reaches_every_participant_once_in_their_language(
        stack, smtp, publisher):
    project = str(uuid.uuid4())
    people = {
        "fi": contact(f"maija-{RUN}@example.fi", language="fi", consents={"impact": True}),
        "sv": contact(f"bertil-{RUN}@example.fi", language="sv", consents={"impact": True}),
        "en": contact(f"chen-{RUN}@example.fi", language="en", consents={"impact": True}),
        "selko": contact(f"pekka-{RUN}@example.fi", language="fi", plain_language=True,
                         consents={"impact": True}),
    }
    addresses = {key: f"{name}-{RUN}@example.fi" for key, name in
                 (("fi", "maija"), ("sv", "bertil"), ("en", "chen"), ("selko", "pekka"))}
    event = impact(project)
    # Participation arrives twice (a redelivery), and so does the impact.
    publish(publisher, PROJECTS_TOPIC, *[joined(project, p) for p in people.values()])
    publish(publisher, PROJECTS_TOPIC, *[joined(project, p, "survey") for p in people.values()])
    publish(publisher, PROJECTS_TOPIC, event, event)

    wait_until(lambda: all(smtp.mailbox.to(a) for a in addresses.values()), timeout=60)
    # Another redelivery after the messages went out sends nothing new either.
    publish(publisher, PROJECTS_TOPIC, event)
    time.sleep(4)
    received = {key: smtp.mailbox.to(address) for key, address in addresses.items()}
    assert {key: len(mails) for key, mails in received.items()} == dict.fromkeys(addresses, 1)
    assert received["fi"][0]["Subject"] == "Näin osallistumisesi vaikutti: Kauppatorin uudistus"
    assert "Tack för att du deltog" in received["sv"][0].get_content()
    assert "Thank you for taking part" in received["en"][0].get_content()
    assert "Vanhat puut jäävät. Toriin tulee 40 penkkiä." in received["selko"][0].get_content()
    for mails in received.values():
        assert f"{GATEWAY}/notifications/unsubscribe/" in mails[0].get_content()

    # Each closed loop is an event on Kafka, with the pseudonymous id and no address.
    def ours(records):
        found = [decode(r.key, r.value, r.headers) for r in records]
        return [e for e in found if e and e.data["trigger_event_id"] == event.id]

    records = read_topic(NOTIFICATIONS_TOPIC, lambda rs: len(ours(rs)) >= 4, timeout=60)
    delivered = ours(records)
    assert sorted(e.data["participant_id"] for e in delivered) == sorted(people.values())
    assert {e.data["participant_id"]: (e.data["language"], e.data["plain_language"])
            for e in delivered}[people["selko"]] == ("fi", True)
    assert all("@" not in str(e.data) for e in delivered)
    for pid in people.values():
        log, = messages(pid)
        assert (log["status"], log["attempts"], log["trigger"]) == (
            "sent", 1, "ImpactCommunicated")


def test_a_failed_send_is_retried_then_shown_as_failed_and_retryable(stack, smtp, publisher):
    busy, gone = f"busy-{RUN}.example", f"gone-{RUN}.example"
    smtp.mailbox.refuse[busy] = "451 4.3.0 Mailbox busy, try again later"
    smtp.mailbox.refuse[gone] = "550 5.1.1 No such user"
    later = contact(f"later@{busy}", consents={"answer": True})
    never = contact(f"never@{gone}", consents={"answer": True})
    publish(publisher, FEEDBACK_TOPIC, answered(later), answered(never))

    failed = wait_until(lambda: [m for m in messages(later) if m["status"] == "failed"],
                        timeout=60)[0]
    assert failed["attempts"] == 3 and failed["last_error"].startswith("451")
    assert smtp.mailbox.refused.count(f"later@{busy}") == 3
    record = httpx.get(f"{GATEWAY}/api/v1/staff/notifications/messages/{failed['id']}",
                       headers=staff()).json()
    assert [e["outcome"] for e in record["log"]] == [
        "queued", "retry_scheduled", "retry_scheduled", "failed"]
    assert busy not in str(record)  # the log never holds the address

    permanent = wait_until(lambda: [m for m in messages(never) if m["status"] == "failed"],
                           timeout=30)[0]
    assert permanent["attempts"] == 1 and permanent["last_error"].startswith("550")

    del smtp.mailbox.refuse[busy]  # the mail server works again: staff retry
    retried = httpx.post(f"{GATEWAY}/api/v1/staff/notifications/messages/{failed['id']}/retry",
                         headers=staff())
    assert retried.status_code == 202, retried.text
    wait_until(lambda: smtp.mailbox.to(f"later@{busy}"), timeout=30)
    wait_until(lambda: messages(later)[0]["status"] == "sent", timeout=30)


def test_unsubscribe_and_erasure_work(stack, smtp, publisher):
    project = str(uuid.uuid4())
    quits = contact(f"quits-{RUN}@example.fi", language="en",
                    consents={"results": True, "impact": True})
    slow = f"slow-{RUN}.example"
    smtp.mailbox.refuse[slow] = "451 4.3.0 try later"
    erased = contact(f"erased@{slow}", consents={"impact": True})
    publish(publisher, PROJECTS_TOPIC, joined(project, quits), joined(project, erased))
    publish(publisher, PROJECTS_TOPIC, new_event("ResultsPublished", {
        "project_id": project, "unit": "urban-environment", "title": "Torin uudistus",
        "areas": ["keskusta"], "summary": "Trees and benches.",
        "published_at": "2026-10-20T09:00:00Z"}, service="projects", subject=project,
        correlation_id=f"it-{RUN}"))
    mail, = wait_until(lambda: smtp.mailbox.to(f"quits-{RUN}@example.fi"), timeout=60)

    # One click in the mail program (RFC 8058) through the gateway's public API.
    one_click = mail["List-Unsubscribe"].strip("<>")
    assert one_click.startswith(f"{GATEWAY}/api/v1/notifications/unsubscribe/")
    reply = httpx.post(one_click, data={"List-Unsubscribe": "One-Click"})
    assert reply.status_code == 200 and reply.json() == {"status": "unsubscribed"}

    event = impact(project)
    publish(publisher, PROJECTS_TOPIC, event)
    # The one who is erased meanwhile has a message in retry: it becomes undeliverable.
    wait_until(lambda: any(m["trigger_event_id"] == event.id and m["attempts"] >= 1
                           for m in messages(erased)), timeout=60)
    reply = httpx.delete(f"{GATEWAY}/api/v1/staff/notifications/contacts/{erased}",
                         headers=staff())
    assert reply.json() == {"erased": erased}
    pending = [m for m in messages(erased) if m["trigger_event_id"] == event.id]
    assert [m["status"] for m in pending] == ["undeliverable"]
    assert pending[0]["last_error"] == "contact erased"

    time.sleep(3)
    assert [m["trigger"] for m in messages(quits)] == ["ResultsPublished"]  # nothing after
    assert len(smtp.mailbox.to(f"quits-{RUN}@example.fi")) == 1
    assert smtp.mailbox.to(f"erased@{slow}") == []

    # The link in the message lets its owner erase the rest too; then it is spent.
    page = mail.get_content().split(f"{GATEWAY}/notifications/unsubscribe/")[1].split()[0]
    erase = httpx.post(f"{GATEWAY}/notifications/unsubscribe/{page}", data={"action": "erase"})
    assert erase.status_code == 200
    assert httpx.get(f"{GATEWAY}/api/v1/notifications/unsubscribe/{page}").status_code == 404
