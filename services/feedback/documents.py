"""Persistence shape of feedback (mongoengine); the domain object is mapped in and out."""

from dataclasses import asdict, fields

from mongoengine import DateTimeField, DictField, FloatField, ListField, StringField

from services.common.outbox import OutboxDocument
from services.feedback.domain import Feedback


class FeedbackDocument(OutboxDocument):
    meta = {
        "db_alias": "feedback",
        "collection": "feedback",
        "indexes": [{"fields": ["receipt_code"], "unique": True}, "status", "area"],
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
    status = StringField(required=True)
    history = ListField(DictField())


_FIELDS = [f.name for f in fields(Feedback) if f.name != "events"]


def to_document(feedback: Feedback, version: int = 0) -> FeedbackDocument:
    state = {k: v for k, v in asdict(feedback).items() if k != "events"}
    return FeedbackDocument(version=version, **state)


def from_document(doc: FeedbackDocument) -> Feedback:
    return Feedback(**{name: getattr(doc, name) for name in _FIELDS})
