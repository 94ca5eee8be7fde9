"""The outbox and the idempotent projection, on the embedded store."""

from datetime import UTC, datetime

import pytest

from services.common.consuming import Record, RecordProcessor
from services.common.context import ServiceContext
from services.common.errors import Conflict
from services.common.inprocess_bus import InProcessBus
from services.common.outbox import OutboxRelay, save_with_events
from services.common.topology import FEEDBACK_TOPIC
from services.evaluation import generations, projection
from services.feedback import domain
from services.feedback.api import save
from services.feedback.documents import FeedbackDocument, to_document

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def new_feedback():
    return domain.submit({"text": "t", "kind": "idea", "area": "pohjoinen"}, now=NOW)


@pytest.fixture
def ctx(embedded_store):
    return ServiceContext(service="feedback", topic=FEEDBACK_TOPIC)


def test_aggregate_and_its_event_are_stored_in_one_document(ctx):
    feedback = new_feedback()
    save(feedback, ctx, "corr")
    raw = FeedbackDocument._get_collection().find_one({"_id": feedback.id})
    assert raw["version"] == 1
    (pending,) = raw["outbox"]
    assert pending["topic"] == FEEDBACK_TOPIC
    assert pending["envelope"]["data"]["feedback_id"] == feedback.id
    assert pending["envelope"]["correlationid"] == "corr"


def test_a_stale_write_is_refused(ctx):
    feedback = new_feedback()
    save(feedback, ctx, "c")
    fresh = to_document(feedback, version=1)
    save_with_events(fresh, [], FEEDBACK_TOPIC)
    with pytest.raises(Conflict):
        save_with_events(to_document(feedback, version=1), [], FEEDBACK_TOPIC)


def test_relay_publishes_then_removes_and_a_repeat_is_harmless(ctx):
    bus = InProcessBus()
    relay = OutboxRelay("feedback", [FeedbackDocument], bus.publish)
    items = [new_feedback() for _ in range(3)]
    for item in items:
        save(item, ctx, "c")
    assert relay.relay_once() == 3
    assert relay.relay_once() == 0
    assert FeedbackDocument._get_collection().count_documents({"outbox.0": {"$exists": True}}) == 0
    records = bus.read(FEEDBACK_TOPIC, 0)
    assert [r.key.decode() for r in records] == [i.id for i in items]

    # The relay crashed after the broker's ack, before marking sent: the event goes out again,
    # and the projection still counts it once.
    raw = records[0]
    processor = RecordProcessor(service="evaluation", group="g",
                                handlers={"FeedbackReceived": projection.record},
                                dead_letters=bus.publish)
    assert processor.process(raw) == "applied"
    assert processor.process(Record(raw.topic, 0, 99, raw.key, raw.value, raw.headers)) == "applied"
    assert generations.collection(generations.active()).count_documents(
        {"name": "FeedbackReceived"}) == 1
    assert projection.summary({})["feedback_received"] == 1
