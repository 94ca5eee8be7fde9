"""The outbox and the idempotent projection on the real MongoDB-protocol server."""

from datetime import UTC, datetime

import pytest

from services.common.consuming import Record, RecordProcessor
from services.common.context import ServiceContext
from services.common.envelope import encode, event_from_dict
from services.common.errors import Conflict
from services.common.kafka_bus import KafkaPublisher
from services.common.outbox import OutboxRelay, save_with_events
from services.common.topology import FEEDBACK_TOPIC
from services.evaluation import generations, projection
from services.feedback import domain
from services.feedback.api import save
from services.feedback.documents import FeedbackDocument, to_document
from tests.integration.conftest import KAFKA, read_topic

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def new_feedback():
    return domain.submit({"text": "t", "kind": "idea", "area": "itainen"}, now=NOW)


def test_outbox_write_relay_and_conflict(mongo):
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC)
    items = [new_feedback() for _ in range(3)]
    for item in items:
        save(item, ctx, "ferret")
    collection = FeedbackDocument._get_collection()
    assert collection.count_documents({"outbox.0": {"$exists": True}}) == 3

    # A second write with the version it read succeeds once; a stale one is refused.
    save_with_events(to_document(items[0], version=1), [], FEEDBACK_TOPIC)
    with pytest.raises(Conflict):
        save_with_events(to_document(items[0], version=1), [], FEEDBACK_TOPIC)

    publisher = KafkaPublisher(KAFKA, client_id="test-relay")
    try:
        relay = OutboxRelay("feedback", [FeedbackDocument], publisher.publish)
        assert relay.relay_once() == 3
        assert relay.relay_once() == 0
    finally:
        publisher.close()
    assert collection.count_documents({"outbox.0": {"$exists": True}}) == 0
    keys = {i.id.encode() for i in items}
    read_topic(FEEDBACK_TOPIC, lambda rs: keys <= {r.key for r in rs})


def test_kicked_entries_are_removed_as_published_without_reading_them_back(mongo):
    published = []
    relay = OutboxRelay("feedback", [FeedbackDocument],
                        lambda topic, messages: published.extend(messages))
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC, after_write=relay.kick)
    item = new_feedback()
    save(item, ctx, "ferret")  # an insert
    item.assign("urban-environment", actor="staff-1", now=NOW)
    save(item, ctx, "ferret", version=1)  # an update that appends to the outbox
    assert relay.relay_once(recover=False) == 2
    # The entries kept in memory equal the stored ones, so $pullAll removed them.
    assert FeedbackDocument._get_collection().count_documents(OutboxRelay.PENDING) == 0
    assert [m.key for m in published] == [item.id.encode()] * 2
    assert relay.relay_once() == 0


def test_projection_applies_a_redelivered_event_once(mongo):
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC)
    item = new_feedback()
    save(item, ctx, "ferret")
    envelope = FeedbackDocument._get_collection().find_one({"_id": item.id})["outbox"][0]
    message = encode(event_from_dict(envelope["envelope"]))
    processor = RecordProcessor(service="evaluation", group="g",
                                handlers={"FeedbackReceived": projection.record},
                                dead_letters=lambda topic, messages: None)
    for offset in (0, 0, 7):  # redelivered twice
        record = Record(FEEDBACK_TOPIC, 0, offset, message.key.encode(), message.value,
                        list(message.headers.items()))
        assert processor.process(record) == "applied"
    assert generations.collection(generations.active()).count_documents(
        {"subject": item.id}) == 1
    assert projection.summary({"area": "itainen"})["feedback_received"] == 1
