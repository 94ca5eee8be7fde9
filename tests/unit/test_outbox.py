"""The outbox and the idempotent projection, on the embedded store."""

import threading
import time
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


class CountingBus(InProcessBus):
    """Counts publish calls, and fails them while `down` is set."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.down = False

    def publish(self, topic, messages):
        if self.down:
            raise ConnectionError("broker away")
        self.calls += 1
        super().publish(topic, messages)


def test_a_kicked_write_is_published_without_a_search_and_in_one_go(embedded_store):
    bus = CountingBus()
    relay = OutboxRelay("feedback", [FeedbackDocument], bus.publish)
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC, after_write=relay.kick)
    unkicked = new_feedback()
    save(unkicked, ServiceContext(service="feedback", topic=FEEDBACK_TOPIC), "c")
    kicked = [new_feedback() for _ in range(3)]
    for item in kicked:
        save(item, ctx, "c")

    # The kicked documents only: one publish for the three, the other stays pending.
    assert relay.relay_once(recover=False) == 3
    assert bus.calls == 1
    assert {r.key.decode() for r in bus.read(FEEDBACK_TOPIC, 0)} == {i.id for i in kicked}
    assert relay.relay_once(recover=False) == 0

    # A recovery pass finds what nobody kicked (a crash, another replica).
    assert relay.relay_once() == 1
    assert bus.read(FEEDBACK_TOPIC, 0)[-1].key.decode() == unkicked.id
    assert FeedbackDocument._get_collection().count_documents(OutboxRelay.PENDING) == 0


def test_a_failed_publish_keeps_the_kicked_documents_pending(embedded_store):
    bus = CountingBus()
    relay = OutboxRelay("feedback", [FeedbackDocument], bus.publish)
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC, after_write=relay.kick)
    item = new_feedback()
    save(item, ctx, "c")
    bus.down = True
    with pytest.raises(ConnectionError):
        relay.relay_once(recover=False)
    assert FeedbackDocument._get_collection().count_documents(OutboxRelay.PENDING) == 1
    bus.down = False
    assert relay.relay_once(recover=False) == 1
    assert [r.key.decode() for r in bus.read(FEEDBACK_TOPIC, 0)] == [item.id]


def test_the_running_relay_publishes_a_write_at_once_and_recovers_at_start(embedded_store):
    bus = CountingBus()
    relay = OutboxRelay("feedback", [FeedbackDocument], bus.publish, batch=2, interval=30,
                        recovery_interval=3600)
    left_behind = [new_feedback() for _ in range(5)]
    for item in left_behind:
        save(item, ServiceContext(service="feedback", topic=FEEDBACK_TOPIC), "c")
    ctx = ServiceContext(service="feedback", topic=FEEDBACK_TOPIC, after_write=relay.kick)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        # The start's recovery: batches of 2 until one comes back short.
        wait_for(lambda: len(bus.read(FEEDBACK_TOPIC, 0)) == 5)
        assert bus.calls == 3
        item = new_feedback()
        save(item, ctx, "c")
        # Well before the 30 s interval: the kick woke it.
        wait_for(lambda: len(bus.read(FEEDBACK_TOPIC, 0)) == 6)
        assert [r.key.decode() for r in bus.read(FEEDBACK_TOPIC, 0)] == [
            *(i.id for i in left_behind), item.id]
    finally:
        relay.stop()
        thread.join(5)
    assert not thread.is_alive()


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
