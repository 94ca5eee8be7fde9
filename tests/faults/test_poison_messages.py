"""4. Poison messages among valid ones on the topic the evaluation consumes: exactly the
poison lands on the dead-letter topic, each once, unchanged, with its origin (topic,
partition, offset), the consumer group and the error; every valid event is applied, and an
event of a type this version does not know is skipped, not dead-lettered."""

import json
import uuid

from services.common.topology import FEEDBACK_TOPIC, dead_letter_topic
from tests.faults.observe import (
    EVALUATION,
    as_record,
    facts_with_ids,
    feedback_events,
    produce,
    read_topic,
    wait_for_zero_lag,
    wait_until,
)


def poison_records(template: dict, run: str) -> dict[str, tuple[bytes, bytes, list, str]]:
    """Each kind of poison, keyed by name: (key, value, headers, what dlq.error must say)."""
    def envelope(**changes) -> bytes:
        return json.dumps({**template, "id": str(uuid.uuid4()), **changes}).encode()

    data = template["data"]
    no_subject = {k: v for k, v in template.items() if k != "subject"}
    return {name: (f"{run}-{name}".encode(), value, [], reason) for name, value, reason in (
        ("not-json", b"{not json at all", "not a CloudEvents"),
        ("empty", b"", "empty record value"),
        ("data-against-schema", envelope(data={**data, "area": "mars"}), "mars"),
        ("extra-personal-field", envelope(data={**data, "email": "asukas@example.fi"}),
         "email"),
        ("no-subject", json.dumps({**no_subject, "id": str(uuid.uuid4())}).encode(),
         "subject"),
        ("foreign-type", envelope(type="com.example.Something.v1"), "not a kuultu event type"),
        ("no-id", json.dumps({k: v for k, v in template.items() if k != "id"}).encode(),
         "id is missing"),
        ("no-specversion", json.dumps({k: v for k, v in template.items() if k != "specversion"}
                                      | {"id": str(uuid.uuid4())}).encode(), "specversion"),
    )}


def test_exactly_the_poison_is_dead_lettered_with_origin_and_error(platform, figures):
    platform.start("evaluation")
    run = f"poison-{uuid.uuid4().hex[:8]}"
    valid = feedback_events(30, run)
    template = json.loads(as_record(valid[0])[1])
    poison = poison_records(template, run)
    unknown_type = (f"{run}-unknown-type".encode(),
                    json.dumps({**template, "id": str(uuid.uuid4()),
                                "type": "fi.lahti.kuultu.SomethingNewer.v1"}).encode(), [])

    # Valid and poison interleaved, all on one partition-spread topic.
    records, names = [], []
    poison_items = list(poison.items())
    for index, event in enumerate(valid):
        records.append(as_record(event))
        names.append(None)
        if index % 3 == 1 and poison_items:
            name, (key, value, headers, _reason) = poison_items.pop(0)
            records.append((key, value, headers))
            names.append(name)
    records.append(unknown_type)
    names.append("unknown-type")
    assert not poison_items
    placed = produce(records)
    origin = {name: meta for name, meta in zip(names, placed, strict=True) if name}

    wait_until(lambda: facts_with_ids(e.id for e in valid) == {e.id for e in valid},
               timeout=90, what="every valid event applied")
    wait_for_zero_lag()
    our_keys = {key for key, _v, _h in records}
    dead = read_topic(dead_letter_topic(FEEDBACK_TOPIC), our_keys,
                      until=lambda rs: len(rs) >= len(poison))
    by_name = {}
    for record in dead:
        by_name.setdefault(record.key.decode().removeprefix(run + "-"), []).append(record)
    figures(valid=len(valid), poison=len(poison), dead_lettered=len(dead),
            valid_applied=len(facts_with_ids(e.id for e in valid)),
            errors={name: dict(rs[0].headers)["dlq.error"].decode()[:70]
                    for name, rs in sorted(by_name.items())})

    # Exactly the poison, each once, unchanged; no valid event and not the unknown type.
    assert sorted(by_name) == sorted(poison)
    assert all(len(rs) == 1 for rs in by_name.values())
    for name, (key, value, _headers, reason) in poison.items():
        record = by_name[name][0]
        headers = dict(record.headers)
        assert record.key == key and record.value == value
        assert headers["dlq.origin.topic"].decode() == FEEDBACK_TOPIC
        assert int(headers["dlq.origin.partition"]) == origin[name].partition
        assert int(headers["dlq.origin.offset"]) == origin[name].offset
        assert headers["dlq.consumer.group"].decode() == EVALUATION.group_id
        error = headers["dlq.error"].decode()
        assert error.startswith("InvalidEvent") and reason in error, (name, error)
    # Every valid event applied, whatever poison came before it on its partition.
    assert facts_with_ids(e.id for e in valid) == {e.id for e in valid}
