"""Residents taking part in a published project: registering to a session, and answering the
step-5 satisfaction question. People appear only as pseudonymous participant ids issued by
the notifications contact registry; the events say who took part so that they can be told
the results and the impact. Framework-free."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.common.envelope import iso
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.projects.domain import LOCAL_TIME, Project

PARTICIPANT_PATTERN = re.compile(r"^p-[0-9a-f]{32}$")
SCORES = (1, 2, 3, 4, 5)
# One question for every project, so that evaluation can compare them.
SATISFACTION_QUESTION = {
    "en": "How satisfied are you with the way you could take part?",
    "fi": "Kuinka tyytyväinen olet siihen, miten pääsit osallistumaan?",
    "scale": {"1": "Very dissatisfied", "5": "Very satisfied"},
}


@dataclass
class Registration:
    id: str
    project_id: str
    session_id: str
    registered_at: datetime
    participant_id: str | None = None
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)


@dataclass
class Rating:
    id: str
    project_id: str
    score: int
    rated_at: datetime
    participant_id: str | None = None
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)


def session_started(session: dict, now: datetime) -> bool:
    starts = datetime.fromisoformat(session["starts_at"])
    if starts.tzinfo is None:  # entered in Lahti's local time
        starts = starts.replace(tzinfo=LOCAL_TIME)
    return starts <= now


def _participant(payload: dict, errors: dict) -> str | None:
    value = payload.get("participant_id")
    if value is None:
        return None
    if not isinstance(value, str) or not PARTICIPANT_PATTERN.match(value):
        errors["participant_id"] = "must be a participant id issued by the contact registry"
        return None
    return value


def _unknown(payload: dict, known: set[str], errors: dict) -> None:
    for name in sorted(set(payload) - known):
        errors[name] = "unknown field"


def _joined(project: Project, participant_id: str, via: str, now: datetime) -> tuple:
    return ("ParticipantJoined", {
        "project_id": project.id, "participant_id": participant_id, "via": via,
        "unit": project.unit, "areas": project.areas, "joined_at": iso(now)})


def register(project: Project, session_id: str, payload, *, now: datetime) -> Registration:
    """A place at one of the project's sessions; with a participant id, they will be told
    the results and the impact."""
    payload = payload if payload is not None else {}
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    participant_id = _participant(payload, errors)
    _unknown(payload, {"participant_id"}, errors)
    if errors:
        raise ValidationFailed(errors)
    session = next((s for s in project.sessions if s["id"] == session_id), None)
    if session is None:
        raise NotFound(f"The project has no session {session_id!r}.")
    if not project.registration_open:
        raise Conflict("Registration is closed: the participation has already taken place.")
    if session_started(session, now):
        raise Conflict("Registration is closed: the session has already started.")
    # One registration per person and session: registering again changes nothing.
    key = f"{project.id}:{session_id}:{participant_id}" if participant_id else str(uuid.uuid4())
    registration = Registration(id=key, project_id=project.id, session_id=session_id,
                                registered_at=now, participant_id=participant_id)
    if participant_id:
        registration.events.append(_joined(project, participant_id, "session", now))
    return registration


def rate(project: Project, payload, *, now: datetime) -> Rating:
    """An answer to the satisfaction question about the participation itself."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    score = payload.get("score")
    if type(score) is not int or score not in SCORES:  # not 3.0, not true
        errors["score"] = "is required: a whole number from 1 (very dissatisfied) to 5 (very " \
                          "satisfied)"
    participant_id = _participant(payload, errors)
    _unknown(payload, {"score", "participant_id"}, errors)
    if errors:
        raise ValidationFailed(errors)
    if not project.satisfaction_open:
        raise Conflict("The satisfaction question is open from the moment the participation "
                       "took place (step 4) until the impact is communicated (step 7).")
    # A participant answers once; an anonymous answer cannot be told apart.
    key = f"{project.id}:{participant_id}" if participant_id else str(uuid.uuid4())
    rating = Rating(id=key, project_id=project.id, score=score, rated_at=now,
                    participant_id=participant_id)
    rating.events.append(("ParticipationRated", {
        "project_id": project.id, "unit": project.unit, "areas": project.areas,
        "score": score, "rated_at": iso(now)}))
    if participant_id:
        rating.events.append(_joined(project, participant_id, "survey", now))
    return rating
