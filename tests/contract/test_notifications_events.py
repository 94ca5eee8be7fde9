"""The notifications service's side of the contract: the MessageDelivered it emits validates
against the published schema and carries no personal data; the triggers it consumes and
the ones it reports agree with the catalogue."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.common.envelope import decode, encode, new_event
from services.common.schemas import default_registry
from services.common.topology import NOTIFICATIONS_TOPIC, SERVICES
from services.notifications import domain
from services.notifications.delivery import delivered_data
from services.notifications.documents import MessageDocument
from services.notifications.queueing import HANDLERS

REGISTRY = default_registry()
SCHEMA = json.loads(REGISTRY.latest("MessageDelivered").schema_path.read_text())


def delivered(trigger: str, **fields) -> MessageDocument:
    return MessageDocument(
        id=str(uuid.uuid4()), trigger=trigger, template=domain.TEMPLATE_OF_TRIGGER[trigger],
        trigger_event_id=str(uuid.uuid4()), participant_id="p-" + uuid.uuid4().hex,
        status="sent", created_at=datetime(2027, 3, 1, tzinfo=UTC), channel="email",
        language="sv", plain_language=False, delivered_at=datetime(2027, 3, 1, 9, tzinfo=UTC),
        context={"title": "Kauppatori", "summary": "Text the city wrote."}, **fields)


@pytest.mark.parametrize("trigger", sorted(domain.CLOSES_LOOP))
def test_message_delivered_validates_on_its_topic_without_personal_data(trigger):
    message = delivered(trigger, project_id=str(uuid.uuid4()), unit="urban-environment")
    event = new_event("MessageDelivered", delivered_data(message), service="notifications",
                      subject=message.id, correlation_id="c")
    assert REGISTRY.latest("MessageDelivered").topic == NOTIFICATIONS_TOPIC
    encoded = encode(event)
    assert decode(encoded.key.encode(), encoded.value, list(encoded.headers.items())) == event
    # Who, which loop, how and when: no address, no text of the message.
    assert set(event.data) <= set(SCHEMA["properties"])
    serialized = json.dumps(event.to_dict())
    assert "@" not in serialized and "Text the city wrote" not in serialized


def test_message_delivered_without_project_or_unit_validates():
    message = delivered("ApplicationDecided")
    new_event("MessageDelivered", delivered_data(message), service="notifications",
              subject=message.id, correlation_id="c")


def test_every_loop_closing_trigger_is_a_trigger_of_the_schema():
    assert domain.CLOSES_LOOP == set(SCHEMA["properties"]["trigger"]["enum"])
    assert "SubscriptionConfirmation" not in SCHEMA["properties"]["trigger"]["enum"]


def test_the_events_notifications_consumes_exist_on_the_topics_it_reads():
    consumed = set(SERVICES["notifications"].consumes)
    for name in HANDLERS:
        assert REGISTRY.latest(name).topic in consumed, name


def test_the_consumed_events_have_what_the_handlers_read():
    """The fields the handlers rely on are in each schema (a rename would break the loop)."""
    needed = {
        "ParticipantJoined": {"project_id", "participant_id", "via", "joined_at"},
        "FeedbackReceived": {"project_id", "participant_id", "received_at"},
        "FeedbackAnswered": {"participant_id", "public", "answer_id", "unit"},
        "ApplicationDecided": {"participant_id", "decision", "body_id", "decided_at"},
        "StatementAnswered": {"member_ids", "answer_summary", "answered_by", "body_id"},
        "ResultsPublished": {"project_id", "title", "summary", "areas", "unit", "published_at"},
        "ImpactCommunicated": {"project_id", "title", "impact_statement", "areas", "unit",
                               "participant_count", "communicated_at"},
    }
    for name, fields in needed.items():
        schema = json.loads(REGISTRY.latest(name).schema_path.read_text())
        assert fields <= set(schema["properties"]), (name, fields - set(schema["properties"]))
