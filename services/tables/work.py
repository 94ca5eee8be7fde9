"""What the tables do: statements and proposals to the city with the answer when it comes,
and meetings with their attendance."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.common.envelope import iso
from services.common.errors import Conflict, ValidationFailed
from services.common.vocabulary import AREAS
from services.tables.calls import local_today, parse_date

# lausunto, kannanotto, esitys
STATEMENT_KINDS = ("statement", "opinion", "proposal")
MAX_TEXT = 20000


def _text(payload: dict, name: str, limit: int, errors: dict, required: bool = True):
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str) or len(value) > limit:
        errors[name] = f"must be text of at most {limit} characters"
        return None
    return value.strip()


def _past_date(payload: dict, name: str, now: datetime, errors: dict) -> date:
    day = parse_date(payload.get(name), name, errors) or local_today(now)
    if name not in errors and day > local_today(now):
        errors[name] = "must not be in the future"
    return day


@dataclass
class Statement:
    id: str
    body_id: str
    kind: str
    addressee: str  # the city board or a committee
    title: str
    text: str
    areas: list[str]
    submitted_on: date
    submitted_at: datetime
    recorded_by: str
    answer: dict | None = None  # answered_by, summary, answered_on, recorded_by
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    def record_answer(self, payload: dict, *, member_ids: list[str], now: datetime,
                      actor: str) -> None:
        if self.answer is not None:
            raise Conflict("The answer to this statement is recorded already.")
        errors: dict[str, str] = {}
        answered_by = _text(payload, "answered_by", 120, errors)
        summary = _text(payload, "answer_summary", 4000, errors)
        answered_on = _past_date(payload, "answered_on", now, errors)
        if "answered_on" not in errors and answered_on < self.submitted_on:
            errors["answered_on"] = "must not be before the statement was submitted"
        for unknown in sorted(set(payload) - {"answered_by", "answer_summary", "answered_on"}):
            errors[unknown] = "unknown field"
        if errors:
            raise ValidationFailed(errors)
        self.answer = {"answered_by": answered_by, "summary": summary,
                       "answered_on": answered_on.isoformat(), "recorded_by": actor,
                       "recorded_at": iso(now)}
        self.events.append(("StatementAnswered", {
            "statement_id": self.id, "body_id": self.body_id, "answered_by": answered_by,
            "answer_summary": summary, "member_ids": sorted(set(member_ids)),
            "answered_at": iso(now),
        }))

    def view(self) -> dict:
        return {"id": self.id, "body_id": self.body_id, "kind": self.kind,
                "addressee": self.addressee, "title": self.title, "text": self.text,
                "areas": list(self.areas), "submitted_on": self.submitted_on.isoformat(),
                "status": "answered" if self.answer else "waiting for an answer",
                "answer": dict(self.answer) if self.answer else None}


def submit_statement(payload: dict, *, body_id: str, now: datetime, actor: str) -> Statement:
    errors: dict[str, str] = {}
    kind = payload.get("kind")
    if kind not in STATEMENT_KINDS:
        errors["kind"] = f"must be one of: {', '.join(STATEMENT_KINDS)}"
    addressee = _text(payload, "addressee", 120, errors)
    title = _text(payload, "title", 200, errors)
    text = _text(payload, "text", MAX_TEXT, errors)
    areas = payload.get("areas", [])
    if (not isinstance(areas, list) or not all(a in AREAS for a in areas)
            or len(set(areas)) != len(areas)):
        errors["areas"] = f"must list distinct areas from: {', '.join(AREAS)}"
    submitted_on = _past_date(payload, "submitted_on", now, errors)
    for unknown in sorted(set(payload) - {"kind", "addressee", "title", "text", "areas",
                                          "submitted_on"}):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    statement = Statement(id=str(uuid.uuid4()), body_id=body_id, kind=kind, addressee=addressee,
                          title=title, text=text, areas=list(areas), submitted_on=submitted_on,
                          submitted_at=now, recorded_by=actor)
    statement.events.append(("StatementSubmitted", {
        "statement_id": statement.id, "body_id": body_id, "kind": kind, "addressee": addressee,
        "title": title, "areas": list(areas), "submitted_at": iso(now),
    }))
    return statement


@dataclass
class Meeting:
    id: str
    body_id: str
    held_on: date
    members_present: int
    others_present: int
    topic: str | None
    recorded_by: str
    recorded_at: datetime

    def view(self) -> dict:
        return {"id": self.id, "body_id": self.body_id, "held_on": self.held_on.isoformat(),
                "members_present": self.members_present, "others_present": self.others_present,
                "topic": self.topic}


def record_meeting(payload: dict, *, body_id: str, seats: int, now: datetime,
                   actor: str) -> Meeting:
    errors: dict[str, str] = {}
    held_on = _past_date(payload, "held_on", now, errors)
    counts = {}
    for name, limit in (("members_present", seats), ("others_present", 10000)):
        value = payload.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            errors[name] = f"must be a whole number from 0 to {limit}"
        counts[name] = value
    topic = _text(payload, "topic", 300, errors, required=False)
    for unknown in sorted(set(payload) - {"held_on", "members_present", "others_present",
                                          "topic"}):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return Meeting(id=str(uuid.uuid4()), body_id=body_id, held_on=held_on,
                   members_present=counts["members_present"],
                   others_present=counts["others_present"], topic=topic, recorded_by=actor,
                   recorded_at=now)
