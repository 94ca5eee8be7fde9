import json
import uuid

import pymongo.errors
import pytest

from services.common.consuming import Record, RecordProcessor, RetryLater
from services.common.envelope import encode, new_event


def valid_record(offset=0, topic="kuultu.feedback"):
    fid = str(uuid.uuid4())
    event = new_event("FeedbackReceived", {
        "feedback_id": fid, "kind": "praise", "channel": "e_feedback", "area": "keskusta",
        "language": "fi", "received_at": "2026-11-29T10:15:00Z"},
        service="feedback", subject=fid, correlation_id="c")
    message = encode(event)
    return event, Record(topic, 0, offset, message.key.encode(), message.value,
                         list(message.headers.items()))


class Sink:
    def __init__(self):
        self.sent = []

    def __call__(self, topic, messages):
        self.sent.extend((topic, m) for m in messages)


def processor(handler, sink, **kwargs):
    return RecordProcessor(service="test", group="g", handlers={"FeedbackReceived": handler},
                           dead_letters=sink, sleep=lambda s: None, **kwargs)


def test_valid_event_is_applied():
    seen = []
    sink = Sink()
    event, record = valid_record()
    assert processor(seen.append, sink).process(record) == "applied"
    assert seen == [event] and sink.sent == []


def test_invalid_record_goes_to_the_dead_letter_topic_with_origin_and_error():
    sink = Sink()
    record = Record("kuultu.feedback", 2, 41, b"k", b"{broken", [("content-type", b"x")])
    assert processor(lambda e: None, sink).process(record) == "dead_lettered"
    (topic, message), = sink.sent
    headers = dict(message.headers)
    assert topic == "kuultu.feedback.dlq"
    assert message.key == b"k" and message.value == b"{broken"
    assert headers["dlq.origin.topic"] == b"kuultu.feedback"
    assert headers["dlq.origin.partition"] == b"2"
    assert headers["dlq.origin.offset"] == b"41"
    assert headers["dlq.consumer.group"] == b"g"
    assert b"InvalidEvent" in headers["dlq.error"]


def test_transient_failure_asks_for_a_retry_and_never_dead_letters():
    sink = Sink()

    def database_away(event):
        raise pymongo.errors.AutoReconnect("connection refused")

    with pytest.raises(RetryLater):
        processor(database_away, sink).process(valid_record()[1])
    assert sink.sent == []


def test_a_failing_handler_is_retried_then_dead_lettered():
    sink = Sink()
    calls = []

    def broken(event):
        calls.append(event.id)
        raise ValueError("bug")

    assert processor(broken, sink, max_attempts=3).process(valid_record()[1]) == "dead_lettered"
    assert len(calls) == 3
    assert b"ValueError: bug" in dict(sink.sent[0][1].headers)["dlq.error"]


def test_a_handler_that_recovers_on_retry_is_applied():
    sink = Sink()
    calls = []

    def flaky(event):
        calls.append(1)
        if len(calls) < 2:
            raise ValueError("once")

    assert processor(flaky, sink).process(valid_record()[1]) == "applied"
    assert sink.sent == []


def test_events_without_a_handler_are_ignored():
    sink = Sink()
    envelope = json.loads(valid_record()[1].value)
    envelope["type"] = "fi.lahti.kuultu.FeedbackAnswered.v1"
    envelope["data"] = {"feedback_id": envelope["subject"], "kind": "idea", "area": "keskusta",
                        "unit": "u", "language": "fi", "public": True,
                        "received_at": "2026-11-29T10:15:00Z", "answered_at": "2026-11-30T10:00:00Z"}
    record = Record("kuultu.feedback", 0, 0, None, json.dumps(envelope).encode())
    assert processor(lambda e: None, sink).process(record) == "ignored"
