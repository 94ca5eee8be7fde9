"""Persistence shape of the projects service (mongoengine); domain objects are mapped in and
out. Step records and history are stored as plain sub-documents with ISO times, so that they
read back the same on MongoDB, FerretDB and the embedded store."""

from datetime import datetime

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    StringField,
)

from services.common.envelope import iso, parse_time
from services.common.outbox import OutboxDocument
from services.projects.domain import Project, StepState
from services.projects.participation import Rating, Registration
from services.projects.plans import Plan


class ProjectDocument(OutboxDocument):
    meta = {"db_alias": "projects", "collection": "projects",
            "indexes": ["unit", "current_step", "published", "current_due_on"]}
    id = StringField(primary_key=True)
    title = StringField(required=True)
    unit = StringField(required=True)
    responsible = StringField(required=True)
    responsible_name = StringField()
    topic = StringField()
    areas = ListField(StringField())
    starts_on = StringField(required=True)
    ends_on = StringField(required=True)
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    published_at = DateTimeField()
    steps = ListField(DictField())
    history = ListField(DictField())
    # Derived, stored for queries: the board, the public list and the reminder timer.
    current_step = IntField(required=True)
    current_due_on = StringField()
    published = BooleanField(default=False)


class RegistrationDocument(OutboxDocument):
    """One place at a session: for a participant id, the id is derived from it, so a second
    registration of the same person is the same document."""

    meta = {"db_alias": "projects", "collection": "registrations",
            "indexes": [("project_id", "session_id")]}
    id = StringField(primary_key=True)
    project_id = StringField(required=True)
    session_id = StringField(required=True)
    participant_id = StringField()
    registered_at = DateTimeField(required=True)


class SeatsDocument(Document):
    """Places taken at a session with a capacity, reserved with one conditional update."""

    meta = {"db_alias": "projects", "collection": "seats"}
    id = StringField(primary_key=True)  # project id : session id
    taken = IntField(default=0)


class RatingDocument(OutboxDocument):
    meta = {"db_alias": "projects", "collection": "ratings", "indexes": ["project_id"]}
    id = StringField(primary_key=True)
    project_id = StringField(required=True)
    score = IntField(required=True)
    participant_id = StringField()
    rated_at = DateTimeField(required=True)


class FeedbackLinkDocument(Document):
    """Feedback sent for a project (learnt from FeedbackReceived); its id is the feedback id,
    so a redelivered event is a duplicate key and changes nothing."""

    meta = {"db_alias": "projects", "collection": "feedback_links", "indexes": ["project_id"]}
    id = StringField(primary_key=True)
    project_id = StringField(required=True)
    received_at = DateTimeField(required=True)


class ReminderDocument(Document):
    """A step that waited past its due date, flagged once to the responsible staff member."""

    meta = {"db_alias": "projects", "collection": "reminders",
            "indexes": ["responsible", "unit", "project_id"]}
    id = StringField(primary_key=True)  # project id : step : due date
    project_id = StringField(required=True)
    title = StringField(required=True)
    unit = StringField(required=True)
    responsible = StringField(required=True)
    step = IntField(required=True)
    due_on = StringField(required=True)
    flagged_at = DateTimeField(required=True)


class PlanDocument(OutboxDocument):
    meta = {"db_alias": "projects", "collection": "plans", "indexes": ["unit", "year"]}
    id = StringField(primary_key=True)  # unit : year
    unit = StringField(required=True)
    year = IntField(required=True)
    entries = ListField(DictField())
    saved_at = DateTimeField(required=True)
    saved_by = StringField(required=True)


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def project_to_document(project: Project, version: int = 0) -> ProjectDocument:
    return ProjectDocument(
        version=version, id=project.id, title=project.title, unit=project.unit,
        responsible=project.responsible, responsible_name=project.responsible_name,
        topic=project.topic, areas=project.areas, starts_on=project.starts_on,
        ends_on=project.ends_on, created_at=project.created_at, created_by=project.created_by,
        published_at=project.published_at,
        steps=[{"number": s.number, "outputs": s.outputs,
                "completed_at": iso(s.completed_at) if s.completed_at else None,
                "completed_by": s.completed_by, "due_on": s.due_on, "revision": s.revision}
               for s in project.steps],
        history=project.history, current_step=project.current_step,
        current_due_on=project.current_due_on, published=project.published,
    )


def project_from_document(doc: ProjectDocument) -> Project:
    return Project(
        id=doc.id, title=doc.title, unit=doc.unit, responsible=doc.responsible,
        responsible_name=doc.responsible_name, topic=doc.topic, areas=list(doc.areas),
        starts_on=doc.starts_on, ends_on=doc.ends_on, created_at=doc.created_at,
        created_by=doc.created_by, published_at=doc.published_at,
        steps=[StepState(number=s["number"], outputs=s.get("outputs") or {},
                         completed_at=_time(s.get("completed_at")),
                         completed_by=s.get("completed_by"), due_on=s.get("due_on"),
                         revision=s.get("revision", 0)) for s in doc.steps],
        history=list(doc.history),
    )


def registration_to_document(registration: Registration) -> RegistrationDocument:
    return RegistrationDocument(
        id=registration.id, project_id=registration.project_id,
        session_id=registration.session_id, participant_id=registration.participant_id,
        registered_at=registration.registered_at)


def rating_to_document(rating: Rating) -> RatingDocument:
    return RatingDocument(id=rating.id, project_id=rating.project_id, score=rating.score,
                          participant_id=rating.participant_id, rated_at=rating.rated_at)


def plan_to_document(plan: Plan, version: int = 0) -> PlanDocument:
    return PlanDocument(version=version, id=plan.id, unit=plan.unit, year=plan.year,
                        entries=plan.entries, saved_at=plan.saved_at, saved_by=plan.saved_by)


def plan_from_document(doc: PlanDocument) -> Plan:
    return Plan(unit=doc.unit, year=doc.year, entries=list(doc.entries),
                saved_at=doc.saved_at, saved_by=doc.saved_by)
