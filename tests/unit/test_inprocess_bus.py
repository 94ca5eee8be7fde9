import threading
import time

from services.common.consuming import OutgoingMessage, RecordProcessor
from services.common.inprocess_bus import InProcessBus, InProcessConsumer
from tests.unit.test_consuming import valid_record


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def publish_record(bus, record):
    bus.publish(record.topic, [OutgoingMessage(record.key, record.value, record.headers)])


def test_poison_is_dead_lettered_and_the_next_valid_event_is_processed():
    bus = InProcessBus()
    seen = []
    processor = RecordProcessor(service="t", group="g", handlers={"FeedbackReceived": seen.append},
                                dead_letters=bus.publish)
    consumer = InProcessConsumer(bus, ["kuultu.feedback"], processor)
    bus.publish("kuultu.feedback", [OutgoingMessage(b"k", b"garbage", [])])
    event, record = valid_record()
    publish_record(bus, record)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: consumer.lag() == 0)
        assert [e.id for e in seen] == [event.id]
        dead = bus.read("kuultu.feedback.dlq", 0)
        assert len(dead) == 1 and dead[0].value == b"garbage"
    finally:
        consumer.stop()
        thread.join(2)


def test_transient_failure_holds_the_offset_until_the_handler_succeeds():
    bus = InProcessBus()
    failures = {"left": 3}
    seen = []

    def handler(event):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database away")
        seen.append(event.id)

    processor = RecordProcessor(service="t", group="g", handlers={"FeedbackReceived": handler},
                                dead_letters=bus.publish)
    consumer = InProcessConsumer(bus, ["kuultu.feedback"], processor)
    consumer.backoff.initial = 0.01
    events = [valid_record() for _ in range(3)]
    for _, record in events:
        publish_record(bus, record)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: consumer.lag() == 0)
        assert seen == [e.id for e, _ in events]  # in order, each once, none dead-lettered
        assert bus.end_offset("kuultu.feedback.dlq") == 0
    finally:
        consumer.stop()
        thread.join(2)
