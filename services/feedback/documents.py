"""Persistence shape of feedback (mongoengine); the domain object is mapped in and out."""

from dataclasses import asdict, fields

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from services.common.outbox import OutboxDocument
from services.feedback.domain import Feedback


class FeedbackDocument(OutboxDocument):
    meta = {
        "db_alias": "feedback",
        "collection": "feedback",
        "indexes": [
            {"fields": ["receipt_code"], "unique": True},
            "open311_token",
            ("status", "unit", "-received_at"),
            "-received_at",
            "area",
        ],
    }
    id = StringField(primary_key=True)
    receipt_code = StringField(required=True)
    kind = StringField(required=True)
    channel = StringField(required=True)
    area = StringField(required=True)
    text = StringField(required=True)
    language = StringField(required=True)
    received_at = DateTimeField(required=True)
    district = StringField()
    topic = StringField()
    unit = StringField()
    project_id = StringField()
    participant_id = StringField()
    latitude = FloatField()
    longitude = FloatField()
    address = StringField()
    media_url = StringField()
    status = StringField(required=True)
    history = ListField(DictField())
    answers = ListField(DictField())
    duplicate_of = StringField()
    open311_token = StringField()
    open311_client = StringField()
    entered_by = StringField()


class AnswerTimeDocument(Document):
    """A unit's expected answer time; units without one use the configured default."""

    meta = {"db_alias": "feedback", "collection": "answer_times"}
    unit = StringField(primary_key=True)
    days = IntField(required=True)
    updated_at = DateTimeField(required=True)
    updated_by = StringField()


class Open311KeyDocument(Document):
    """An Open311 client's API key, stored only as its SHA-256 (keys are long and random)."""

    meta = {"db_alias": "feedback", "collection": "open311_keys",
            "indexes": [{"fields": ["key_hash"], "unique": True}]}
    id = StringField(primary_key=True)
    name = StringField(required=True)
    key_hash = StringField(required=True)
    created_at = DateTimeField(required=True)
    created_by = StringField()
    revoked_at = DateTimeField()


_FIELDS = [f.name for f in fields(Feedback) if f.name != "events"]


def to_document(feedback: Feedback, version: int = 0) -> FeedbackDocument:
    state = {k: v for k, v in asdict(feedback).items() if k != "events"}
    return FeedbackDocument(version=version, **state)


def from_document(doc: FeedbackDocument) -> Feedback:
    state = {name: getattr(doc, name) for name in _FIELDS}
    # Plain lists and dicts: mongoengine's own hold a weak reference to the document.
    state.update(history=[dict(h) for h in doc.history], answers=[dict(a) for a in doc.answers])
    return Feedback(**state)
