"""Persistence shapes of the evaluation service (mongoengine).

The facts themselves (one per event, its id the event id) live in plain collections, one per
generation of the projection (`facts`, then `facts_<rebuild>`), written with pymongo in
generations.py: mongoengine binds a document class to one collection, while a rebuild fills a
new collection next to the one readers use and then switches the pointer kept here."""

from dataclasses import asdict, fields

from mongoengine import DateTimeField, DictField, Document, IntField, StringField

from services.common.outbox import OutboxDocument
from services.evaluation.domain import Evaluation

INITIAL_GENERATION = "facts"


class ProjectionState(Document):
    """The pointer readers and the live consumer follow: which facts collection is active,
    and which one a rebuild is filling (the live consumer writes to both meanwhile)."""

    meta = {"db_alias": "evaluation", "collection": "projection_state"}
    id = StringField(primary_key=True)  # "facts"
    active = StringField(required=True, default=INITIAL_GENERATION)
    building = StringField()
    previous = StringField()  # kept until the next rebuild: a way back if ever needed
    rebuild_id = StringField()


class RebuildRun(Document):
    """One rebuild by replay, with its progress, so an operator can follow it."""

    meta = {"db_alias": "evaluation", "collection": "rebuilds", "indexes": ["-started_at"],
            "ordering": ["-started_at"]}
    id = StringField(primary_key=True)
    status = StringField(required=True)  # running, done, failed
    source = StringField(required=True)  # kafka, in-process bus
    generation = StringField(required=True)
    started_by = StringField()
    started_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)
    finished_at = DateTimeField()
    total = IntField(default=0)  # records up to the end offsets taken at the start
    read = IntField(default=0)
    applied = IntField(default=0)  # facts written
    ignored = IntField(default=0)  # valid events the evaluation does not read
    invalid = IntField(default=0)  # records the schemas refuse (dead-lettered when live)
    facts = IntField(default=0)  # facts in the new generation when it was switched in
    error = StringField()

    def view(self) -> dict:
        def at(value):
            return value.isoformat() if value else None

        return {
            "id": self.id, "status": self.status, "source": self.source,
            "generation": self.generation, "started_by": self.started_by,
            "started_at": at(self.started_at), "updated_at": at(self.updated_at),
            "finished_at": at(self.finished_at), "total": self.total, "read": self.read,
            "applied": self.applied, "ignored": self.ignored, "invalid": self.invalid,
            "facts": self.facts, "error": self.error,
            "progress": round(self.read / self.total, 4) if self.total else 1.0,
        }


class EvaluationDocument(OutboxDocument):
    meta = {"db_alias": "evaluation", "collection": "evaluations",
            "indexes": ["period", "-created_at"]}
    id = StringField(primary_key=True)
    period = StringField(required=True)
    indicator_set_version = StringField(required=True)
    title = StringField(required=True)
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    status = StringField(required=True)
    assessments = DictField()
    published_at = DateTimeField()
    published_by = StringField()
    radar = DictField()


_FIELDS = [f.name for f in fields(Evaluation) if f.name != "events"]


def to_document(evaluation: Evaluation, version: int = 0) -> EvaluationDocument:
    state = {k: v for k, v in asdict(evaluation).items() if k != "events"}
    return EvaluationDocument(version=version, **state)


def from_document(doc: EvaluationDocument) -> Evaluation:
    values = {name: getattr(doc, name) for name in _FIELDS}
    # Plain dicts: mongoengine's own would still point at the document they came from.
    son = doc.to_mongo().to_dict()
    values["assessments"] = son.get("assessments") or {}
    values["radar"] = son.get("radar") or None
    return Evaluation(**values)
