"""What the fault tests look at: the evaluation projection in its database, the consumer
group's committed offsets against the topics' ends, topics read from the start, and the
services' /metrics. Each probe opens its own short-lived client, so it works across a broker
or database restart."""

import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable

import httpx
import pymongo
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from services.common.config import KafkaSettings
from services.common.envelope import Event, encode, new_event
from services.common.topology import DOMAIN_TOPICS, FEEDBACK_TOPIC, SERVICES

KAFKA = KafkaSettings.from_mapping(os.environ)
MONGO_URI = os.environ.get("KUULTU_MONGO_URI", "mongodb://127.0.0.1:27027/")
EVALUATION = SERVICES["evaluation"]


def wait_until(predicate: Callable, timeout: float = 30.0, interval: float = 0.5, what=""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what or 'condition'} not met within {timeout}s (last: {last!r})")


# ---------------------------------------------------------------- the evaluation projection

def _facts():
    """The facts collection readers use now (a rebuild switches to a new generation)."""
    client = pymongo.MongoClient(MONGO_URI, serverSelectionTimeoutMS=5000, retryWrites=False)
    database = client[EVALUATION.database]
    state = database["projection_state"].find_one({"_id": "facts"}) or {}
    return client, database[state.get("active") or "facts"]


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def facts_per_subject(subjects: Iterable[str]) -> Counter:
    """How many facts the projection holds for each aggregate (one event per feedback here)."""
    subjects = list(subjects)
    counts: Counter = Counter()
    client, facts = _facts()
    try:
        for chunk in _chunks(subjects):
            counts.update(doc["subject"] for doc in
                          facts.find({"subject": {"$in": chunk}}, {"subject": 1}))
    finally:
        client.close()
    return counts


def facts_in_district(district: str) -> int:
    """Facts of FeedbackReceived events that carry this district (a test run's marker)."""
    client, facts = _facts()
    try:
        return facts.count_documents({"data.district": district})
    finally:
        client.close()


def districts_with_prefix(prefix: str) -> set[str]:
    """The districts of facts whose district starts with a load's marker."""
    client, facts = _facts()
    try:
        return {doc["data"]["district"] for doc in facts.find(
            {"data.district": {"$regex": "^" + re.escape(prefix)}}, {"data.district": 1})}
    finally:
        client.close()


def facts_with_ids(event_ids: Iterable[str]) -> set[str]:
    event_ids = list(event_ids)
    found: set[str] = set()
    client, facts = _facts()
    try:
        for chunk in _chunks(event_ids):
            found.update(doc["_id"] for doc in facts.find({"_id": {"$in": chunk}}, {"_id": 1}))
    finally:
        client.close()
    return found


def still_in_outbox(feedback_ids: Iterable[str]) -> int:
    """How many of these feedback items still hold unpublished events (their relay is behind)."""
    feedback_ids = list(feedback_ids)
    client = pymongo.MongoClient(MONGO_URI, serverSelectionTimeoutMS=5000, retryWrites=False)
    try:
        collection = client[SERVICES["feedback"].database]["feedback"]
        return sum(collection.count_documents({"_id": {"$in": chunk}, "outbox.0": {"$exists": True}})
                   for chunk in _chunks(feedback_ids))
    finally:
        client.close()


def wait_until_applied(submissions: list, marker: str, timeout: float = 180.0) -> float:
    """Seconds until every accepted submission of a load has its fact (one cheap query per
    poll: the database serves the platform meanwhile); on a timeout, says where the missing
    ones are."""
    wanted = {s.district: s.feedback_id for s in submissions if s.status == 201}
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        missing = set(wanted) - districts_with_prefix(marker + "-")
        if not missing:
            return time.monotonic() - started
        time.sleep(3.0)
    raise AssertionError(
        f"{len(missing)} of {len(wanted)} accepted items not in the projection after {timeout}s: "
        f"{still_in_outbox(wanted[d] for d in missing)} still in the outbox; "
        f"evaluation lag {lag()}")


# ---------------------------------------------------------------- offsets

def end_offsets(topics: Iterable[str] = DOMAIN_TOPICS) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(**KAFKA.client_config())
    try:
        partitions = [TopicPartition(t, p) for t in topics
                      for p in consumer.partitions_for_topic(t) or ()]
        return consumer.end_offsets(partitions)
    finally:
        consumer.close()


def committed_offsets(group: str = EVALUATION.group_id,
                      topics: Iterable[str] = DOMAIN_TOPICS) -> dict[TopicPartition, int]:
    topics = set(topics)
    admin = KafkaAdminClient(**KAFKA.client_config())
    try:
        offsets = admin.list_group_offsets({group: None})[group]
    finally:
        admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if tp.topic in topics}


def lag(group: str = EVALUATION.group_id, topics: Iterable[str] = DOMAIN_TOPICS) -> int:
    """Records on the topics that the group has not committed yet."""
    topics = tuple(topics)
    ends = end_offsets(topics)
    committed = committed_offsets(group, topics)
    return sum(end - max(0, committed.get(tp, 0)) for tp, end in ends.items())


def wait_for_zero_lag(timeout: float = 90.0) -> float:
    """Seconds until the evaluation group has committed every record (broker errors while it
    settles count as 'not yet')."""
    started = time.monotonic()

    def settled():
        try:
            return lag() == 0
        except KafkaError:
            return False

    wait_until(settled, timeout=timeout, interval=1.0, what="evaluation lag 0")
    return time.monotonic() - started


def group_members(group: str = EVALUATION.group_id) -> list[dict]:
    admin = KafkaAdminClient(**KAFKA.client_config())
    try:
        info = admin.describe_groups([group])[group]
    finally:
        admin.close()
    return [{"client": m["client_host"] + "/" + m["member_id"][:40],
             "partitions": sorted(f"{tp.topic.removeprefix('kuultu.')}-{tp.partition}"
                                  for tp in _assigned(m))} for m in info["members"]]


def _assigned(member: dict) -> list[TopicPartition]:
    assignment = member.get("member_assignment") or {}
    if not isinstance(assignment, dict):  # not decoded to plain data by this client version
        return assignment.partitions()
    return [TopicPartition(part["topic"], number)
            for part in assignment.get("assigned_partitions") or ()
            for number in part["partitions"]]


# ---------------------------------------------------------------- topics

def read_topic(topic: str, keys: set[bytes], until: Callable[[list], bool],
               timeout: float = 60.0) -> list:
    """Records of `topic` (from its start) whose key is in `keys`, once `until(records)`."""
    consumer = KafkaConsumer(enable_auto_commit=False, **KAFKA.client_config())
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ours: list = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                ours.extend(r for r in batch if r.key in keys)
            if until(ours) and all(consumer.position(tp) >= end for tp, end in
                                   consumer.end_offsets(partitions).items()):
                return ours
        raise AssertionError(f"{topic}: condition not met within {timeout}s ({len(ours)} read)")
    finally:
        consumer.close()


def feedback_events(count: int, district: str) -> list[Event]:
    """Valid FeedbackReceived events as the feedback service would publish them."""
    events = []
    for _ in range(count):
        feedback_id = str(uuid.uuid4())
        events.append(new_event("FeedbackReceived", {
            "feedback_id": feedback_id, "kind": "idea", "channel": "e_feedback",
            "area": "keskusta", "district": district, "language": "fi",
            "received_at": "2026-11-29T10:00:00Z"},
            service="feedback", subject=feedback_id, correlation_id=district))
    return events


def produce(values: list[tuple[bytes, bytes, list]], topic: str = FEEDBACK_TOPIC) -> list:
    """Sends (key, value, headers) records with acks=all; returns each one's metadata
    (partition and offset), in order."""
    producer = KafkaProducer(acks="all", linger_ms=5, **KAFKA.client_config())
    try:
        futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in values]
        producer.flush(timeout=60)
        return [f.get(timeout=60) for f in futures]
    finally:
        producer.close()


def as_record(event: Event) -> tuple[bytes, bytes, list]:
    message = encode(event)
    return message.key.encode(), message.value, list(message.headers.items())


# ---------------------------------------------------------------- metrics

_SAMPLE = re.compile(r'^(\w+)\{([^}]*)\} ([0-9.e+-]+)$')


def metric(base_url: str, name: str, **labels: str) -> float:
    """Sum of a Prometheus sample over the series matching `labels`."""
    text = httpx.get(base_url + "/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total
