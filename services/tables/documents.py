"""Persistence shape of the tables service (mongoengine). Calendar dates are stored as ISO
strings: MongoDB has no date-only type and a birth date must not shift with time zones."""

from dataclasses import asdict, fields
from datetime import date

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from services.common.outbox import OutboxDocument
from services.tables.applications import Application
from services.tables.calls import Call
from services.tables.selection import Selection
from services.tables.work import Meeting, Statement

ALIAS = "tables"


class BodyDocument(Document):
    meta = {"db_alias": ALIAS, "collection": "bodies"}
    id = StringField(primary_key=True)
    kind = StringField(required=True)
    name = DictField(required=True)
    seats = IntField(required=True)
    term_months = IntField(required=True)
    min_age = IntField(required=True)
    max_age = IntField()
    eligible_areas = ListField(StringField())
    home_area = StringField()
    represents = ListField(StringField())
    quota_features = ListField(StringField())
    description = StringField()
    active = BooleanField(default=True)


class CallDocument(Document):
    meta = {"db_alias": ALIAS, "collection": "calls", "indexes": ["closes_on"]}
    id = StringField(primary_key=True)
    title = StringField(required=True)
    description = StringField()
    body_ids = ListField(StringField())
    opens_on = StringField(required=True)
    closes_on = StringField(required=True)
    term_start = StringField(required=True)
    term_end = StringField()
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    closed_early_at = DateTimeField()
    history = ListField(DictField())


class ApplicationDocument(OutboxDocument):
    meta = {"db_alias": ALIAS, "collection": "applications",
            "indexes": [("call_id", "body_id"), "anonymised_at"]}
    id = StringField(primary_key=True)
    call_id = StringField(required=True)
    body_id = StringField(required=True)
    age_band = StringField(required=True)
    area = StringField(required=True)
    represents = StringField(required=True)
    language = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    name = StringField()
    date_of_birth = StringField()
    motivation = StringField()
    organisation = StringField()
    gender = StringField()
    public_listing = BooleanField(default=False)
    participant_id = StringField()
    withdrawal_code_hash = StringField()
    status = StringField(required=True)
    withdrawn_at = DateTimeField()
    anonymised_at = DateTimeField()


class ApplicantKeyDocument(Document):
    """One per person and call (a hash of name and birth date): the duplicate guard. Its
    unique _id makes two simultaneous applications by the same person impossible."""

    meta = {"db_alias": ALIAS, "collection": "applicant_keys", "indexes": ["application_id"]}
    id = StringField(primary_key=True)
    application_id = StringField(required=True)


class SelectionDocument(OutboxDocument):
    meta = {"db_alias": ALIAS, "collection": "selections",
            "indexes": ["body_id", "call_id", "status"]}
    id = StringField(primary_key=True)
    call_id = StringField(required=True)
    body_id = StringField(required=True)
    seats = IntField(required=True)
    method = StringField(required=True)
    seed = IntField(required=True)
    features = ListField(StringField())
    quotas = DictField()
    pool = ListField(DictField())
    selected = ListField(StringField())
    reserve = ListField(StringField())
    probabilities = DictField(FloatField())
    panels = IntField()
    preview = BooleanField()
    term_start = StringField(required=True)
    term_end = StringField(required=True)
    proposed_at = DateTimeField(required=True)
    proposed_by = StringField(required=True)
    status = StringField(required=True)
    decision_date = StringField()
    decision_reference = StringField()
    decided_at = DateTimeField()
    members = ListField(DictField())
    history = ListField(DictField())


class StatementDocument(OutboxDocument):
    meta = {"db_alias": ALIAS, "collection": "statements", "indexes": ["body_id"]}
    id = StringField(primary_key=True)
    body_id = StringField(required=True)
    kind = StringField(required=True)
    addressee = StringField(required=True)
    title = StringField(required=True)
    text = StringField(required=True)
    areas = ListField(StringField())
    submitted_on = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    recorded_by = StringField(required=True)
    answer = DictField(null=True)


class MeetingDocument(Document):
    meta = {"db_alias": ALIAS, "collection": "meetings", "indexes": ["body_id"]}
    id = StringField(primary_key=True)
    body_id = StringField(required=True)
    held_on = StringField(required=True)
    members_present = IntField(required=True)
    others_present = IntField(required=True)
    topic = StringField()
    recorded_by = StringField(required=True)
    recorded_at = DateTimeField(required=True)


# Which fields of each domain object are calendar dates (ISO strings in the store).
_DATES = {Call: {"opens_on", "closes_on", "term_start", "term_end"},
          Application: {"date_of_birth"}, Selection: {"term_start", "term_end", "decision_date"},
          Statement: {"submitted_on"}, Meeting: {"held_on"}}


def to_document(obj, document_class, version: int | None = None):
    dates = _DATES.get(type(obj), set())
    state = {k: (v.isoformat() if k in dates and isinstance(v, date) else v)
             for k, v in asdict(obj).items() if k != "events"}
    if version is not None:
        state["version"] = version
    return document_class(**state)


def _plain(value):
    """mongoengine's BaseDict/BaseList track changes for their document; the domain gets
    plain values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def from_document(doc, domain_class):
    dates = _DATES.get(domain_class, set())
    values = {}
    for f in fields(domain_class):
        if f.name == "events":
            continue
        value = _plain(getattr(doc, f.name))
        if f.name in dates and isinstance(value, str):
            value = date.fromisoformat(value)
        values[f.name] = value
    return domain_class(**values)
