"""The co-creation radar on the real stack: events published to Kafka (and feedback through
the gateway) reach the evaluation service's projection and the radar read through the
gateway; a comprehensive evaluation is published as an event; a rebuild by replay (the
`kuultu evaluation rebuild` command, and the admin API) equals the live projection."""

import os
import subprocess
import sys
import uuid

import httpx
import pymongo
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from services.common.envelope import decode, encode
from services.common.topology import DOMAIN_TOPICS, FEEDBACK_TOPIC, PROJECTS_TOPIC, SERVICES
from services.gateway import dev_issuer
from tests.integration.conftest import KAFKA, MONGO_URI, PORTS, read_topic, wait_until
from tests.unit.test_evaluation_events import (
    feedback_answered,
    feedback_received,
    impact_communicated,
    message_delivered,
    participant_joined,
    participation_rated,
    pid,
    plan_saved,
    step_completed,
    uid,
)

GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"
UNIT = f"it-{uuid.uuid4().hex[:10]}"  # this run's own unit: its radar is ours alone


def auth(role: str) -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint(role, subject=f'it-{role}')}"}


def radar(**params) -> dict:
    reply = httpx.get(f"{GATEWAY}/api/v1/evaluation/radar", params={"unit": UNIT, **params},
                      timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def values(r: dict) -> dict:
    return {row["id"]: row["value"] for area in r["areas"] for row in area["indicators"]}


def publish(events) -> None:
    producer = KafkaProducer(acks="all", **KAFKA.client_config())
    try:
        for topic, event in events:
            message = encode(event)
            producer.send(topic, key=message.key.encode(), value=message.value,
                          headers=list(message.headers.items()))
        producer.flush()
    finally:
        producer.close()


EXPECTED = {
    "impact_communicated_share": 0.5,  # of two projects that ran, one told its impact
    "participants_told_impact_share": 0.5,  # attributed to the unit through the project
    "decisions_share": 0.5,
    "units_with_plan_share": 1.0,
    "participation_rating_mean": 3.6,
    "satisfied_share": 0.6,
    "method_variety": 2.0,
    "multi_method_share": 1.0,
    "plain_language_invitations_share": 1.0,
    "median_days_to_impact": 30.0,
}


@pytest.fixture(scope="module")
def fed(platform):
    told, silent = uid(), uid()
    anna, ben = pid(), pid()
    projects = [
        step_completed(told, 2, unit=UNIT, methods=["workshop", "map_survey"]),
        step_completed(told, 3, unit=UNIT, plain_language=True),
        step_completed(told, 4, unit=UNIT), step_completed(told, 6, unit=UNIT, days=20),
        step_completed(told, 7, unit=UNIT, days=29), impact_communicated(told, unit=UNIT,
                                                                         days=30),
        step_completed(silent, 4, unit=UNIT),
        participant_joined(told, anna), participant_joined(told, ben),
        *[participation_rated(told, score) for score in (5, 4, 4, 3, 2)],
        plan_saved(UNIT, 2026),
    ]
    feedback = uid()
    publish([*((PROJECTS_TOPIC, e) for e in projects),
             ("kuultu.notifications", message_delivered(anna, project_id=told, days=31)),
             (FEEDBACK_TOPIC, feedback_received(kind="complaint", unit=UNIT,
                                                feedback_id=feedback)),
             (FEEDBACK_TOPIC, feedback_answered(feedback, unit=UNIT, answered=2))])
    reply = httpx.post(f"{GATEWAY}/api/v1/feedback", timeout=30, json={
        "text": "Kiitos hienosta työpajasta!", "kind": "praise", "area": "keskusta",
        "unit": UNIT})
    assert reply.status_code == 201, reply.text
    wait_until(lambda: all(values(radar(period="2026"))[k] == v for k, v in EXPECTED.items()),
               timeout=60)
    wait_until(lambda: values(radar())["praise_share"] == 0.5, timeout=60)
    return told


def test_the_radar_follows_the_events_through_the_gateway(fed):
    year = radar(period="2026")
    assert year["indicator_set_version"] == "2026.1"
    assert year["filters"] == {"period": "2026", "unit": UNIT, "area": None}
    got = values(year)
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert got["median_days_to_answer"] == 2.0
    goals = year["areas"][0]
    assert goals["id"] == "goals" and goals["score"] is not None
    assert values(radar(period="2026-03", area="itainen"))["impact_communicated_share"] is None
    assert values(radar(period="2025"))["method_variety"] is None

    svg = httpx.get(f"{GATEWAY}/api/v1/evaluation/radar.svg", params={"unit": UNIT})
    assert svg.headers["content-type"] == "image/svg+xml" and f"unit {UNIT}" in svg.text
    csv = httpx.get(f"{GATEWAY}/api/v1/evaluation/radar.csv", params={"unit": UNIT})
    assert csv.status_code == 200 and "impact_communicated_share" in csv.text
    figures = httpx.get(f"{GATEWAY}/api/v1/evaluation/projects", params={"unit": UNIT},
                        headers=auth("evaluator")).json()["projects"]
    row = next(p for p in figures if p["project_id"] == fed)
    assert (row["participants"], row["told_impact"], row["ratings"]) == (2, 1, 5)
    metrics = httpx.get(f"http://127.0.0.1:{PORTS['evaluation']}/metrics").text
    assert "kuultu_evaluation_indicator_value" in metrics


def test_a_published_evaluation_is_an_event_on_kafka(fed):
    evaluator = auth("evaluator")
    created = httpx.post(f"{GATEWAY}/api/v1/evaluation/evaluations", headers=evaluator,
                         json={"period": "2026-03", "title": "Integraatiotesti"}, timeout=30)
    assert created.status_code == 201, created.text
    base = f"{GATEWAY}/api/v1/evaluation/evaluations/{created.json()['id']}"
    for area in ("goals", "culture", "satisfaction", "methods"):
        reply = httpx.put(f"{base}/assessments/{area}", headers=evaluator, timeout=30,
                          json={"score": 3, "note": "Arvioitu yhdessä."})
        assert reply.status_code == 200, reply.text
    published = httpx.post(f"{base}/publish", headers=evaluator, timeout=30)
    assert published.status_code == 200, published.text
    evaluation_id = created.json()["id"]
    records = read_topic("kuultu.evaluation",
                         lambda rs: any(r.key == evaluation_id.encode() for r in rs))
    record = next(r for r in records if r.key == evaluation_id.encode())
    event = decode(record.key, record.value, record.headers)
    assert event.name == "EvaluationPublished" and event.data["period"] == "2026-03"
    assert event.data["expert_scores"]["goals"] == 3.0
    assert b"Arvioitu" not in record.value


def _consumer_lag() -> int:
    """How far the evaluation's consumer group is behind the ends of its topics."""
    admin = KafkaAdminClient(**KAFKA.client_config())
    consumer = KafkaConsumer(**KAFKA.client_config())
    try:
        group = SERVICES["evaluation"].group_id
        committed = admin.list_group_offsets(group)[group]
        partitions = [TopicPartition(t, p) for t in DOMAIN_TOPICS
                      for p in consumer.partitions_for_topic(t) or ()]
        ends = consumer.end_offsets(partitions)
        return sum(end - (committed[tp].offset if tp in committed else 0)
                   for tp, end in ends.items())
    finally:
        admin.close()
        consumer.close()


def _generations() -> tuple[str, str | None]:
    state = pymongo.MongoClient(MONGO_URI)["kuultu_evaluation"]["projection_state"].find_one(
        {"_id": "facts"}) or {}
    return state.get("active", "facts"), state.get("previous")


def _facts(generation: str) -> dict:
    collection = pymongo.MongoClient(MONGO_URI)["kuultu_evaluation"][generation]
    return {f["_id"]: f for f in collection.find()}


def test_a_rebuild_by_replay_equals_the_live_projection(fed, platform):
    producer = KafkaProducer(**KAFKA.client_config())
    producer.send(FEEDBACK_TOPIC, key=b"bad", value=b"{not json")  # dead-lettered live
    producer.flush()
    producer.close()
    wait_until(lambda: _consumer_lag() == 0, timeout=60)  # the live projection is complete
    live_radar = radar(period="2026")
    live_generation, _ = _generations()

    env = {**os.environ, "KUULTU_KAFKA_BOOTSTRAP": KAFKA.bootstrap,
           "KUULTU_MONGO_URI": MONGO_URI}
    done = subprocess.run([sys.executable, "-m", "services.cli", "evaluation", "rebuild"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "records (100.0%)" in done.stderr and " done: " in done.stdout
    active, previous = _generations()
    assert previous == live_generation and active != live_generation
    assert _facts(active) == _facts(previous)  # fact for fact, the same projection
    assert radar(period="2026") == live_radar
    rebuilds = httpx.get(f"{GATEWAY}/api/v1/evaluation/rebuilds", headers=auth("evaluator"))
    latest = rebuilds.json()["rebuilds"][0]
    assert latest["status"] == "done" and latest["invalid"] >= 1
    assert latest["read"] == latest["total"] == latest["applied"] + latest["invalid"] + \
        latest["ignored"]

    # The same through the admin API, in the background of the evaluation service.
    started = httpx.post(f"{GATEWAY}/api/v1/evaluation/rebuilds", headers=auth("admin"),
                         json={}, timeout=30)
    assert started.status_code == 202, started.text
    run_url = f"{GATEWAY}/api/v1/evaluation/rebuilds/{started.json()['id']}"
    wait_until(lambda: httpx.get(run_url, headers=auth("admin")).json()["status"] == "done",
               timeout=120)
    second, first = _generations()
    assert first == active and _facts(second) == _facts(first)
    assert radar(period="2026") == live_radar
