"""Persistence of the notifications service: contacts, who took part in which project, the
messages (each one its own queue entry and delivery record) and the local outbox."""

from dataclasses import asdict, fields

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    StringField,
)

from services.common.outbox import OutboxDocument
from services.notifications.contacts import Contact

ALIAS = "notifications"


class ContactDocument(Document):
    meta = {"db_alias": ALIAS, "collection": "contacts",
            "indexes": [{"fields": ["unsubscribe_token"], "unique": True},
                        "confirm_token", "email", "phone", "areas", "topics"]}
    participant_id = StringField(primary_key=True)
    email = StringField()
    phone = StringField()
    language = StringField(required=True)
    plain_language = BooleanField(default=False)
    consents = DictField()
    areas = ListField(StringField())
    topics = ListField(StringField())
    created_at = DateTimeField(required=True)
    unsubscribe_token = StringField(required=True)
    confirm_token = StringField()


_CONTACT_FIELDS = [f.name for f in fields(Contact)]


def contact_document(contact: Contact) -> ContactDocument:
    return ContactDocument(**asdict(contact))


def contact_from_document(doc: ContactDocument) -> Contact:
    return Contact(**{name: getattr(doc, name) for name in _CONTACT_FIELDS})


class ParticipationDocument(Document):
    """The projection of who took part in which project, from ParticipantJoined and
    FeedbackReceived events. One document per (project, participant): recording it again
    changes nothing, so redelivered events are harmless."""

    meta = {"db_alias": ALIAS, "collection": "participations",
            "indexes": [("project_id", "joined_at"), "participant_id"]}
    id = StringField(primary_key=True)  # <project_id>:<participant_id>
    project_id = StringField(required=True)
    participant_id = StringField(required=True)
    via = ListField(StringField())
    joined_at = DateTimeField(required=True)  # the earliest known


class ProjectTriggerDocument(Document):
    """Results and impact already published for a project, so that a participant whose
    event arrives later (another topic) is still told: keyed by the trigger event id."""

    meta = {"db_alias": ALIAS, "collection": "project_triggers", "indexes": ["project_id"]}
    id = StringField(primary_key=True)  # the trigger event id
    project_id = StringField(required=True)
    trigger = StringField(required=True)
    at = DateTimeField(required=True)
    unit = StringField()
    context = DictField()


class MessageDocument(OutboxDocument):
    """One message to one person for one trigger. Its id is derived from (trigger event id,
    participant id), so inserting it is the dedupe and the queuing in one write. It holds no
    address or text: those are rendered from the contact at the moment of sending."""

    meta = {"db_alias": ALIAS, "collection": "messages",
            "indexes": [("status", "next_attempt_at"), ("status", "lease_until"),
                        "participant_id", "trigger_event_id", "-created_at", "unit"]}
    id = StringField(primary_key=True)
    trigger = StringField(required=True)
    template = StringField(required=True)
    purpose = StringField()
    trigger_event_id = StringField()
    participant_id = StringField(required=True)
    project_id = StringField()
    unit = StringField()
    context = DictField()
    correlation_id = StringField()
    status = StringField(required=True)
    attempts = IntField(default=0)
    created_at = DateTimeField(required=True)
    next_attempt_at = DateTimeField()
    lease_until = DateTimeField()
    delivered_at = DateTimeField()
    channel = StringField()
    transport = StringField()
    language = StringField()
    plain_language = BooleanField()
    last_error = StringField()
    log = ListField(DictField())  # attempts and staff actions; never an address or a text


class LocalOutboxEntry(Document):
    """A message kept instead of sent, when no SMTP server is configured (the embedded
    default). Holds the address and text: erased with the contact."""

    meta = {"db_alias": ALIAS, "collection": "local_outbox",
            "indexes": ["-sent_at", "participant_id"]}
    id = StringField(primary_key=True)  # the message id: a resend replaces, never doubles
    participant_id = StringField(required=True)
    unit = StringField()
    channel = StringField(required=True)
    to = StringField(required=True)
    subject = StringField()
    body = StringField(required=True)
    language = StringField()
    headers = DictField()
    sent_at = DateTimeField(required=True)


class ReplyTextDocument(Document):
    """The city's answer to a resident's feedback, handed over by the gateway when staff
    answer, so that the FeedbackAnswered message can carry it (events never carry text).
    Deleted once the message went out, and with the contact."""

    meta = {"db_alias": ALIAS, "collection": "reply_texts", "indexes": ["received_at"]}
    id = StringField(primary_key=True)  # the answer id of the FeedbackAnswered event
    text = StringField(required=True)
    received_at = DateTimeField(required=True)
