"""The evaluation projection is kept as one fact per event. The fact's id is the event id, so
recording it is the idempotency check and the effect in one atomic write: a redelivered event
is a duplicate key and changes nothing. Indicators are computed from the facts."""

from mongoengine import DateTimeField, DictField, Document, StringField


class EventFact(Document):
    meta = {
        "db_alias": "evaluation",
        "collection": "facts",
        "indexes": [("name", "month"), ("name", "area"), ("name", "unit"), "project_id"],
    }
    id = StringField(primary_key=True)  # the CloudEvent id
    name = StringField(required=True)  # FeedbackReceived, ProjectStepCompleted, ...
    subject = StringField(required=True)
    time = DateTimeField(required=True)
    month = StringField(required=True)  # 2026-11: the period of the fact
    year = StringField(required=True)
    area = StringField()
    unit = StringField()
    project_id = StringField()
    data = DictField()
