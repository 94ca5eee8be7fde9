"""One resident's feedback through the whole system on real Kafka and FerretDB:
gateway -> feedback (outbox) -> Kafka -> evaluation (projection) -> gateway."""

import json
import uuid

import httpx
from kafka import KafkaProducer

from services.common.envelope import decode
from tests.integration.conftest import KAFKA, PORTS, read_topic, wait_until

GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"


def feedback_count(area: str | None = None) -> int:
    params = {"area": area} if area else {}
    return httpx.get(f"{GATEWAY}/api/v1/evaluation/summary", params=params).json()[
        "feedback_received"]


def test_feedback_reaches_the_evaluation_summary(platform):
    before = feedback_count("pohjoinen")
    correlation_id = str(uuid.uuid4())
    reply = httpx.post(f"{GATEWAY}/api/v1/feedback", headers={"x-correlation-id": correlation_id},
                       json={"text": "Kiveriön suojatie", "kind": "question", "area": "pohjoinen"})
    assert reply.status_code == 201, reply.text
    created = reply.json()
    wait_until(lambda: feedback_count("pohjoinen") == before + 1)

    # The event on Kafka: a CloudEvent keyed by the feedback id, with the correlation id
    # carried from the HTTP request, and no text.
    records = read_topic("kuultu.feedback",
                         lambda rs: any(r.key == created["id"].encode() for r in rs))
    record = next(r for r in records if r.key == created["id"].encode())
    event = decode(record.key, record.value, record.headers)
    assert event.name == "FeedbackReceived" and event.subject == created["id"]
    assert event.correlation_id == correlation_id
    assert "suojatie" not in record.value.decode()

    status = httpx.get(f"{GATEWAY}/api/v1/feedback/receipts/{created['receipt_code']}")
    assert status.status_code == 200 and status.json()["status"] == "received"


def test_bad_input_is_refused_with_reasons(platform):
    reply = httpx.post(f"{GATEWAY}/api/v1/feedback", json={"text": "x" * 4001, "kind": "idea",
                                                          "area": "keskusta"})
    assert reply.status_code == 422
    assert "4000" in reply.json()["fields"]["text"]


def test_poison_message_is_dead_lettered_and_the_next_valid_one_applied(platform):
    """Directly on the topic the evaluation service consumes: garbage, then a valid event."""
    before = feedback_count("etelainen")
    marker = uuid.uuid4().hex
    valid_id = str(uuid.uuid4())
    valid = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/test", "subject": valid_id,
        "type": "fi.lahti.kuultu.FeedbackReceived.v1", "time": "2026-11-29T10:00:00Z",
        "datacontenttype": "application/json", "correlationid": marker,
        "data": {"feedback_id": valid_id, "kind": "praise", "channel": "e_feedback",
                 "area": "etelainen", "language": "fi", "received_at": "2026-11-29T10:00:00Z"},
    }
    invalid = {**valid, "id": str(uuid.uuid4()), "data": {**valid["data"], "area": "mars"}}
    producer = KafkaProducer(**KAFKA.client_config())
    key = valid_id.encode()
    poison = [b"{not json " + marker.encode(), json.dumps(invalid).encode()]
    for value in poison:
        producer.send("kuultu.feedback", key=key, value=value)
    producer.send("kuultu.feedback", key=key, value=json.dumps(valid).encode())
    producer.flush()
    producer.close()

    wait_until(lambda: feedback_count("etelainen") == before + 1)
    # Every consumer group of the topic dead-letters the poison for itself; look at the
    # evaluation service's.
    def evaluation_dead(records):
        return [r for r in records if r.key == key
                and dict(r.headers).get("dlq.consumer.group") == b"kuultu-evaluation"]

    ours = evaluation_dead(read_topic("kuultu.feedback.dlq",
                                      lambda rs: len(evaluation_dead(rs)) >= 2))
    assert [r.value for r in ours] == poison
    for record in ours:
        headers = dict(record.headers)
        assert headers["dlq.origin.topic"] == b"kuultu.feedback"
        assert headers["dlq.consumer.group"] == b"kuultu-evaluation"
        assert int(headers["dlq.origin.offset"]) >= 0
        assert headers["dlq.error"].startswith(b"InvalidEvent")
    assert b"mars" in dict(ours[1].headers)["dlq.error"]
