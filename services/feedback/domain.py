"""The feedback model, free of frameworks: validation, the lifecycle and the events it records.

Lifecycle: received -> in_progress (assigned to a unit) -> answered -> closed, every step in
the history. Answers are public (shown with the receipt code and on Open311) or private (a
reply the notifications service delivers to the resident's contact)."""

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.common.envelope import iso, parse_time
from services.common.errors import Conflict, ValidationFailed
from services.common.vocabulary import AREAS, LANGUAGE_PATTERN

KINDS = ("feedback", "idea", "experience", "question", "praise", "complaint", "initiative")
CHANNELS = (
    "e_feedback", "omalahti", "customer_feedback", "resident_survey", "map_survey",
    "initiative", "dialogue", "partnership_table", "staff_entered",
)
STATUSES = ("received", "in_progress", "answered", "closed")
OPEN_STATUSES = ("received", "in_progress")
MAX_TEXT = 4000
DEFAULT_ANSWER_DAYS = 14
MAX_ANSWER_DAYS = 365
# Receipt codes are read aloud and typed by residents: no 0/O, 1/I/L look-alikes.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_PATTERN = re.compile(r"^KL-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
# Unit codes as the identity provider writes them in staff tokens (urban-environment).
UNIT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
PARTICIPANT_PATTERN = re.compile(r"^p-[0-9a-f]{32}$")
MEDIA_URL_PATTERN = re.compile(r"^https?://[^\s<>\"]{1,490}$")
SUBMISSION_FIELDS = {
    "text", "kind", "area", "channel", "language", "district", "topic", "unit", "address",
    "latitude", "longitude", "project_id", "media_url",
}


def new_receipt_code() -> str:
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"KL-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class AnswerTimes:
    """Expected answer time per unit, in days from receipt; other units get the default."""

    default_days: int = DEFAULT_ANSWER_DAYS
    by_unit: dict[str, int] = field(default_factory=dict)

    def days_for(self, unit: str | None) -> int:
        return self.by_unit.get(unit, self.default_days) if unit else self.default_days


@dataclass
class Feedback:
    id: str
    receipt_code: str
    kind: str
    channel: str
    area: str
    text: str
    language: str
    received_at: datetime
    district: str | None = None
    topic: str | None = None
    unit: str | None = None
    project_id: str | None = None
    participant_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    media_url: str | None = None
    status: str = "received"
    history: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    duplicate_of: str | None = None
    open311_token: str | None = None
    open311_client: str | None = None
    entered_by: str | None = None
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    @property
    def has_location(self) -> bool:
        return self.address is not None or self.latitude is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def public_answers(self) -> list[dict]:
        return [a for a in self.answers if a["public"]]

    @property
    def updated_at(self) -> datetime:
        return parse_time(self.history[-1]["at"]) \
            if self.history else self.received_at

    def due_at(self, times: AnswerTimes) -> datetime:
        return self.received_at + timedelta(days=times.days_for(self.unit))

    def is_overdue(self, now: datetime, times: AnswerTimes) -> bool:
        return self.is_open and now > self.due_at(times)

    # -- staff work ---------------------------------------------------------------------

    def assign(self, unit: object, *, actor: str, now: datetime) -> None:
        """Triage: the unit that answers. The first assignment starts the work."""
        if not isinstance(unit, str) or not UNIT_PATTERN.match(unit):
            raise ValidationFailed({"unit": "must be a unit code such as urban-environment"})
        self._refuse_when_closed("assigned")
        if unit == self.unit and self.status != "received":
            return  # already there: nothing happened, nothing to record
        self.unit = unit
        if self.status == "received":
            self._move("in_progress", now, actor, "assigned", unit=unit)
        else:
            self._note(now, actor, "assigned", unit=unit)

    def answer(self, text: object, public: object, *, actor: str, actor_unit: str | None,
               now: datetime, times: AnswerTimes) -> dict:
        self._refuse_when_closed("answered")
        errors = {}
        if not isinstance(text, str) or not text.strip():
            errors["text"] = "is required and must be non-empty text"
        elif len(text) > MAX_TEXT:
            errors["text"] = f"must be at most {MAX_TEXT} characters (got {len(text)})"
        if not isinstance(public, bool):
            errors["public"] = ("is required: true publishes the answer with the receipt code "
                                "and on Open311, false sends it only to the resident")
        elif not public and self.participant_id is None:
            errors["public"] = ("this feedback is anonymous, so a private reply would reach "
                                "no one; answer publicly")
        if self.unit is None and actor_unit is None:
            errors["unit"] = "assign the feedback to a unit first"
        if errors:
            raise ValidationFailed(errors)
        if self.status == "received":
            self.assign(self.unit or actor_unit, actor=actor, now=now)
        first = not self.answers
        answer = {"id": str(uuid.uuid4()), "at": iso(now), "text": text.strip(),
                  "public": public, "actor": actor, "unit": self.unit}
        self.answers.append(answer)
        if self.status == "in_progress":
            self._move("answered", now, actor, "answered", public=public)
        else:
            self._note(now, actor, "answered", public=public)
        self.events.append(("FeedbackAnswered", {
            "feedback_id": self.id,
            "answer_id": answer["id"],
            "kind": self.kind,
            "area": self.area,
            "unit": self.unit,
            "language": self.language,
            "participant_id": self.participant_id,
            "public": public,
            "first_answer": first,
            "on_time": now <= self.due_at(times),
            "received_at": iso(self.received_at),
            "answered_at": iso(now),
        }))
        return answer

    def link_project(self, project_id: object, *, actor: str, now: datetime) -> None:
        try:
            project_id = str(uuid.UUID(str(project_id)))
        except ValueError:
            raise ValidationFailed({"project_id": "must be a project id (UUID)"}) from None
        if project_id == self.project_id:
            return
        self.project_id = project_id
        self._note(now, actor, "linked_to_project", project_id=project_id)

    def mark_duplicate(self, original: "Feedback", *, actor: str, now: datetime) -> None:
        if original.id == self.id:
            raise ValidationFailed({"duplicate_of": "feedback cannot duplicate itself"})
        if original.duplicate_of is not None:
            raise ValidationFailed({"duplicate_of": (
                f"that feedback is itself a duplicate; use the original {original.duplicate_of}")})
        self._require_answer_of_initiative("marked as a duplicate")
        self._refuse_when_closed("marked as a duplicate")
        self.duplicate_of = original.id
        self._move("closed", now, actor, "marked_duplicate", duplicate_of=original.id)

    def close(self, *, actor: str, now: datetime) -> None:
        self._refuse_when_closed("closed")
        self._require_answer_of_initiative("closed")
        self._move("closed", now, actor, "closed")

    # -- recording ----------------------------------------------------------------------

    def _refuse_when_closed(self, what: str) -> None:
        if self.status == "closed":
            raise Conflict(f"This feedback is closed and cannot be {what}.")

    def _require_answer_of_initiative(self, what: str) -> None:
        if self.kind == "initiative" and not self.public_answers:
            raise Conflict(f"A citizens' initiative must be answered publicly before it is {what}.")

    def _note(self, now: datetime, actor: str | None, action: str, **details) -> None:
        self.history.append({"at": iso(now), "status": self.status, "action": action,
                             "actor": actor, **details})

    def _move(self, status: str, now: datetime, actor: str, action: str, **details) -> None:
        before = self.status
        self.status = status
        self._note(now, actor, action, **details)
        self.events.append(("FeedbackStatusChanged", {
            "feedback_id": self.id,
            "kind": self.kind,
            "area": self.area,
            "unit": self.unit,
            "from_status": before,
            "to_status": status,
            "reason": action,
            "changed_at": iso(now),
        }))


def _optional_text(payload: dict, name: str, limit: int, errors: dict) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
    elif len(value) > limit:
        errors[name] = f"must be at most {limit} characters"
    else:
        return value.strip() or None
    return None


def _choice(payload: dict, name: str, allowed: tuple, errors: dict, default=None) -> str | None:
    value = payload.get(name, default)
    if value is None:
        errors[name] = f"is required; allowed values: {', '.join(allowed)}"
    elif value not in allowed:
        errors[name] = f"unknown value {value!r}; allowed values: {', '.join(allowed)}"
    return value


def _number(payload: dict, name: str, low: float, high: float, errors: dict) -> float | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        errors[name] = f"must be a number from {low} to {high}"
        return None
    return float(value)


def submit(
    payload: dict, *, now: datetime, participant_id: object = None,
    receipt_code: str | None = None, entered_by: str | None = None,
    open311_client: str | None = None,
) -> Feedback:
    """Validate a submission (every invalid field gets its own reason) and record it.

    `participant_id` comes only from the gateway (after the contact registry issued it);
    `entered_by` is the staff member entering feedback on a resident's behalf."""
    errors: dict[str, str] = {}
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        errors["text"] = "is required and must be non-empty text"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"must be at most {MAX_TEXT} characters (got {len(text)})"
    kind = _choice(payload, "kind", KINDS, errors)
    area = _choice(payload, "area", AREAS, errors)
    channel = _choice(payload, "channel", CHANNELS, errors,
                      default="staff_entered" if entered_by else "e_feedback")
    if channel == "staff_entered" and not entered_by:
        errors["channel"] = ("staff_entered is for staff entering feedback on a resident's "
                             "behalf (the staff API); choose another channel")
    language = payload.get("language", "fi")
    if not isinstance(language, str) or not re.match(LANGUAGE_PATTERN, language):
        errors["language"] = "must be a two- or three-letter language code such as fi, sv or en"
    district = _optional_text(payload, "district", 100, errors)
    topic = _optional_text(payload, "topic", 100, errors)
    unit = _optional_text(payload, "unit", 80, errors)
    if unit is not None and not UNIT_PATTERN.match(unit):
        errors["unit"] = "must be a unit code such as urban-environment"
    address = _optional_text(payload, "address", 200, errors)
    media_url = _optional_text(payload, "media_url", 500, errors)
    if media_url is not None and not MEDIA_URL_PATTERN.match(media_url):
        errors["media_url"] = "must be an http or https address"
    latitude = _number(payload, "latitude", -90, 90, errors)
    longitude = _number(payload, "longitude", -180, 180, errors)
    if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & errors.keys():
        errors["latitude" if latitude is None else "longitude"] = "give both latitude and longitude"
    project_id = payload.get("project_id")
    if project_id is not None:
        try:
            project_id = str(uuid.UUID(str(project_id)))
        except ValueError:
            errors["project_id"] = "must be a project id (UUID)"
    if participant_id is not None and (
            not isinstance(participant_id, str) or not PARTICIPANT_PATTERN.match(participant_id)):
        errors["participant_id"] = "must be a participant id issued by the contact registry"
    for name in sorted(set(payload) - SUBMISSION_FIELDS):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)

    feedback = Feedback(
        id=str(uuid.uuid4()),
        receipt_code=receipt_code or new_receipt_code(),
        kind=kind, channel=channel, area=area, text=text.strip(), language=language,
        received_at=now, district=district, topic=topic, unit=unit, project_id=project_id,
        participant_id=participant_id, latitude=latitude, longitude=longitude, address=address,
        media_url=media_url, open311_token=secrets.token_hex(16), open311_client=open311_client,
        entered_by=entered_by,
    )
    feedback.history.append({"at": iso(now), "status": "received", "action": "received",
                             "actor": entered_by})
    feedback.events.append(("FeedbackReceived", {
        "feedback_id": feedback.id,
        "kind": kind,
        "channel": channel,
        "area": area,
        "district": district,
        "topic": topic,
        "unit": unit,
        "language": language,
        "project_id": project_id,
        "participant_id": participant_id,
        "has_location": feedback.has_location,
        "received_at": iso(now),
    }))
    return feedback


def public_view(feedback: Feedback, times: AnswerTimes, original: Feedback | None = None) -> dict:
    """What anyone holding the receipt code may see: the city's public answers, never the
    resident's text, contact or participant id, nor which staff member acted.
    A duplicate shows the public answers given to the original feedback."""
    answers = (original or feedback).public_answers
    return {
        "receipt_code": feedback.receipt_code,
        "kind": feedback.kind,
        "area": feedback.area,
        "status": feedback.status,
        "unit": feedback.unit,
        "received_at": iso(feedback.received_at),
        "expected_answer_by": iso(feedback.due_at(times)) if feedback.is_open else None,
        "duplicate": feedback.duplicate_of is not None,
        "answers": [{"at": a["at"], "text": a["text"]} for a in answers],
        "history": [{"at": h["at"], "status": h["status"], "action": h.get("action", h["status"])}
                    for h in feedback.history],
    }


def staff_summary(feedback: Feedback, now: datetime, times: AnswerTimes) -> dict:
    """One row of the staff inbox."""
    return {
        "id": feedback.id,
        "receipt_code": feedback.receipt_code,
        "kind": feedback.kind,
        "channel": feedback.channel,
        "area": feedback.area,
        "district": feedback.district,
        "topic": feedback.topic,
        "unit": feedback.unit,
        "status": feedback.status,
        "language": feedback.language,
        "excerpt": feedback.text[:140],
        "received_at": iso(feedback.received_at),
        "due_at": iso(feedback.due_at(times)),
        "overdue": feedback.is_overdue(now, times),
        "has_contact": feedback.participant_id is not None,
    }


def staff_view(feedback: Feedback, now: datetime, times: AnswerTimes) -> dict:
    """Everything staff of the unit need to answer; the contact stays in notifications."""
    return {
        **staff_summary(feedback, now, times),
        "text": feedback.text,
        "address": feedback.address,
        "latitude": feedback.latitude,
        "longitude": feedback.longitude,
        "media_url": feedback.media_url,
        "project_id": feedback.project_id,
        "participant_id": feedback.participant_id,
        "duplicate_of": feedback.duplicate_of,
        "open311_client": feedback.open311_client,
        "entered_by": feedback.entered_by,
        "answers": list(feedback.answers),
        "history": list(feedback.history),
    }


def parse_answer_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ANSWER_DAYS:
        raise ValidationFailed(
            {"days": f"must be a whole number of days from 1 to {MAX_ANSWER_DAYS}"})
    return value
