"""A consumer stays in its group and loses nothing while a handler is busy for 10 s under
eventlet (nameko), with a session timeout shorter than the busy time."""

import os
import subprocess
import sys
import time
import uuid

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from services.common.envelope import encode, new_event
from tests.integration.conftest import KAFKA, LOG_DIR, wait_until


def feedback_event(district):
    fid = str(uuid.uuid4())
    return new_event("FeedbackReceived", {
        "feedback_id": fid, "kind": "idea", "channel": "e_feedback", "area": "keskusta",
        "district": district, "language": "fi", "received_at": "2026-11-29T10:00:00Z"},
        service="feedback", subject=fid, correlation_id="busy-test")


def group_state(admin, group):
    try:
        info = admin.describe_groups([group])[group]
    except KafkaError:  # the group coordinator is still being elected
        return None, ()
    return info["group_state"], tuple(sorted(m["member_id"] for m in info["members"]))


def test_consumer_stays_in_group_while_a_handler_is_busy(real_stack, tmp_path):
    topic = f"kuultu.test.busy.{uuid.uuid4().hex[:8]}"
    group = f"kuultu-test-busy-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "processed.txt"
    admin = KafkaAdminClient(**KAFKA.client_config())
    admin.create_topics([NewTopic(topic, 1, 1)])
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SLOW_TOPIC": topic, "SLOW_GROUP": group, "SLOW_OUT": str(out)}
    with open(LOG_DIR / "slow-service.log", "ab") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", "tests/integration/slow.yml",
             "tests.integration.slow_service:SlowService"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: group_state(admin, group)[0] == "Stable", timeout=60)
        _, members = group_state(admin, group)

        events = [feedback_event("busy")] + [feedback_event("calm") for _ in range(4)]
        producer = KafkaProducer(**KAFKA.client_config())
        for event in events:
            message = encode(event)
            producer.send(topic, key=message.key.encode(), value=message.value,
                          headers=list(message.headers.items()))
        producer.flush()
        producer.close()

        # While the handler is busy, the group stays stable with the same single member.
        observed = set()
        started = time.monotonic()
        while time.monotonic() - started < 12:
            observed.add(group_state(admin, group))
            time.sleep(0.5)
        assert observed == {("Stable", members)}, observed

        wait_until(lambda: out.exists() and len(out.read_text().split()) >= len(events))
        processed = out.read_text().split()
        assert sorted(processed) == sorted(e.id for e in events)  # each exactly once
        committed = wait_until(lambda: sum(
            o.offset for o in admin.list_group_offsets({group: None})[group].values()
        ) == len(events) and admin.list_group_offsets({group: None})[group])
        assert sum(o.offset for o in committed.values()) == len(events)  # committed to the end
    finally:
        service.terminate()
        service.wait(30)
        admin.delete_topics([topic])
        admin.close()
