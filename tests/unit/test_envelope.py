import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.common.envelope import decode, encode, event_from_dict, new_event, parse_time
from services.common.errors import InvalidEvent

FEEDBACK_ID = str(uuid.uuid4())
DATA = {
    "feedback_id": FEEDBACK_ID, "kind": "idea", "channel": "omalahti", "area": "itainen",
    "language": "fi", "received_at": "2026-11-29T10:15:00Z",
}


def make_event(**overrides):
    return new_event("FeedbackReceived", {**DATA, **overrides}, service="feedback",
                     subject=FEEDBACK_ID, correlation_id="corr-1")


def test_round_trip_keeps_every_attribute_and_keys_by_aggregate():
    event = make_event()
    message = encode(event)
    assert message.key == FEEDBACK_ID
    assert message.headers["content-type"] == b"application/cloudevents+json"
    body = json.loads(message.value)
    assert body["specversion"] == "1.0"
    assert body["type"] == "fi.lahti.kuultu.FeedbackReceived.v1"
    assert body["correlationid"] == "corr-1"
    assert body["dataschema"] == "urn:kuultu:schema:FeedbackReceived:v1"
    decoded = decode(FEEDBACK_ID.encode(), message.value, list(message.headers.items()))
    assert decoded == event


def test_outbox_form_round_trips():
    event = make_event()
    assert event_from_dict(event.to_dict()) == event


def test_invalid_data_is_refused_at_the_source():
    with pytest.raises(InvalidEvent, match="area"):
        make_event(area="atlantis")


def test_personal_fields_are_not_allowed_in_events():
    with pytest.raises(InvalidEvent, match="Additional properties"):
        make_event(text="my name is Matti and my phone is 040 123")


@pytest.mark.parametrize("value, reason", [
    (b"", "empty"),
    (b"not json", "CloudEvents"),
    (b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "com.other.Thing"}',
     "not a kuultu event type"),
])
def test_unusable_records_are_invalid(value, reason):
    with pytest.raises(InvalidEvent, match=reason):
        decode(None, value, [])


def test_schema_violation_on_consume_is_invalid():
    envelope = make_event().to_dict()
    envelope["data"]["kind"] = "rant"
    with pytest.raises(InvalidEvent, match="kind"):
        decode(None, json.dumps(envelope).encode(), [])


def test_unknown_version_of_a_kuultu_event_is_skipped_not_dead_lettered():
    envelope = make_event().to_dict()
    envelope["type"] = "fi.lahti.kuultu.FeedbackReceived.v9"
    assert decode(None, json.dumps(envelope).encode(), []) is None


def test_a_database_in_the_mongo_uri_becomes_the_auth_source():
    from services.common.store import _without_database

    assert _without_database("mongodb://u:p@h1:27017,h2:27017/kuultu_feedback?replicaSet=rs&w=majority") \
        == "mongodb://u:p@h1:27017,h2:27017/?replicaSet=rs&w=majority&authSource=kuultu_feedback"
    assert _without_database("mongodb://127.0.0.1:27027/") == "mongodb://127.0.0.1:27027/"
    assert _without_database("mongodb://h/db?authSource=admin") == "mongodb://h/?authSource=admin"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-29T12:00:00Z", datetime(2026, 11, 29, 12, tzinfo=UTC)),
    ("2026-11-29t12:00:00z", datetime(2026, 11, 29, 12, tzinfo=UTC)),  # RFC 3339 allows it
    ("2026-11-29T14:00:00.5+02:00",
     datetime(2026, 11, 29, 14, 0, 0, 500000, tzinfo=timezone(timedelta(hours=2)))),
])
def test_rfc3339_timestamps_are_read_in_either_case(text, expected):
    assert parse_time(text) == expected
