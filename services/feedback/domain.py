"""The feedback model, free of frameworks: validation, the lifecycle and the events it records."""

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.common.envelope import iso
from services.common.errors import ValidationFailed
from services.common.vocabulary import AREAS, LANGUAGE_PATTERN

KINDS = ("feedback", "idea", "experience", "question", "praise", "complaint", "initiative")
CHANNELS = (
    "e_feedback", "omalahti", "customer_feedback", "resident_survey", "map_survey",
    "initiative", "dialogue", "partnership_table", "staff_entered",
)
MAX_TEXT = 4000
# Receipt codes are read aloud and typed by residents: no 0/O, 1/I/L look-alikes.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_PATTERN = re.compile(r"^KL-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def new_receipt_code() -> str:
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"KL-{chars[:4]}-{chars[4:]}"


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
    status: str = "received"
    history: list[dict] = field(default_factory=list)
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    @property
    def has_location(self) -> bool:
        return self.address is not None or self.latitude is not None


def _optional_text(payload: dict, name: str, limit: int, errors: dict) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
    elif len(value) > limit:
        errors[name] = f"must be at most {limit} characters"
    else:
        return value.strip()
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
    payload: dict, *, now: datetime, participant_id: str | None = None,
    receipt_code: str | None = None,
) -> Feedback:
    """Validate a submission (every invalid field gets its own reason) and record it."""
    errors: dict[str, str] = {}
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        errors["text"] = "is required and must be non-empty text"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"must be at most {MAX_TEXT} characters (got {len(text)})"
    kind = _choice(payload, "kind", KINDS, errors)
    area = _choice(payload, "area", AREAS, errors)
    channel = _choice(payload, "channel", CHANNELS, errors, default="e_feedback")
    language = payload.get("language", "fi")
    if not isinstance(language, str) or not re.match(LANGUAGE_PATTERN, language):
        errors["language"] = "must be a two- or three-letter language code such as fi, sv or en"
    district = _optional_text(payload, "district", 100, errors)
    topic = _optional_text(payload, "topic", 100, errors)
    unit = _optional_text(payload, "unit", 80, errors)
    address = _optional_text(payload, "address", 200, errors)
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
    unknown = set(payload) - {
        "text", "kind", "area", "channel", "language", "district", "topic", "unit", "address",
        "latitude", "longitude", "project_id",
    }
    for name in sorted(unknown):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)

    feedback = Feedback(
        id=str(uuid.uuid4()),
        receipt_code=receipt_code or new_receipt_code(),
        kind=kind, channel=channel, area=area, text=text.strip(), language=language,
        received_at=now, district=district, topic=topic, unit=unit, project_id=project_id,
        participant_id=participant_id, latitude=latitude, longitude=longitude, address=address,
    )
    feedback.history.append({"at": iso(now), "status": "received"})
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


def public_view(feedback: Feedback) -> dict:
    """What anyone holding the receipt code may see: no text, no contact, no participant id."""
    return {
        "receipt_code": feedback.receipt_code,
        "kind": feedback.kind,
        "area": feedback.area,
        "status": feedback.status,
        "received_at": iso(feedback.received_at),
        "history": [{"at": h["at"], "status": h["status"]} for h in feedback.history],
    }
