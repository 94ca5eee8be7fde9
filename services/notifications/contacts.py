"""The contact registry: the one place that holds contact details for messages. Everything
else refers to a person by the pseudonymous participant id issued here."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from services.common.errors import ValidationFailed
from services.common.vocabulary import AREAS, LANGUAGE_PATTERN

# What a person may agree to be contacted about.
PURPOSES = ("answer", "results", "impact", "decision", "area_updates")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
# Topics are the city's service units and themes as events name them (e.g. urban-environment).
TOPIC = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_TOPICS = 20


def new_participant_id() -> str:
    return "p-" + secrets.token_hex(16)


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Contact:
    participant_id: str
    language: str
    created_at: datetime
    email: str | None = None
    phone: str | None = None
    plain_language: bool = False
    consents: dict[str, bool] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)  # subscriptions: what happens there
    topics: list[str] = field(default_factory=list)
    unsubscribe_token: str = field(default_factory=new_token)
    confirm_token: str | None = None  # a public subscription waiting for its confirmation

    def consents_to(self, purpose: str | None) -> bool:
        return purpose is None or bool(self.consents.get(purpose))


def _details(payload: dict, errors: dict) -> dict:
    email = payload.get("email") or None
    phone = payload.get("phone") or None
    if email is not None and (not isinstance(email, str) or not EMAIL.match(email.strip())):
        errors["email"] = "must be an e-mail address such as name@example.fi"
    if phone is not None and (not isinstance(phone, str) or not PHONE.match(phone)):
        errors["phone"] = "must be a phone number such as +358 40 123 4567"
    if email is None and phone is None:
        errors["email"] = "give an e-mail address or a phone number"
    language = payload.get("language", "fi")
    if not isinstance(language, str) or not re.match(LANGUAGE_PATTERN, language):
        errors["language"] = "must be a language code such as fi, sv or en"
    plain = payload.get("plain_language", False)
    if not isinstance(plain, bool):
        errors["plain_language"] = "must be true or false"
    return {"email": email.strip() if isinstance(email, str) else None,
            "phone": phone.strip() if isinstance(phone, str) else None,
            "language": language, "plain_language": plain}


def _subscriptions(payload: dict, errors: dict) -> tuple[list[str], list[str]]:
    areas = payload.get("areas", [])
    if not isinstance(areas, list) or not all(a in AREAS for a in areas):
        errors["areas"] = f"must be a list of areas: {', '.join(AREAS)}"
        areas = []
    topics = payload.get("topics", [])
    if (not isinstance(topics, list) or len(topics) > MAX_TOPICS
            or not all(isinstance(t, str) and TOPIC.match(t) for t in topics)):
        errors["topics"] = (f"must be a list of at most {MAX_TOPICS} topic codes such as "
                            "urban-environment (lower-case letters, digits, - and _)")
        topics = []
    return sorted(set(areas)), sorted(set(topics))


def register(payload: dict, *, now: datetime) -> Contact:
    """A contact given to a city service together with the person's consents (feedback form,
    application, registration). Subscriptions given here count as consented."""
    errors: dict[str, str] = {}
    details = _details(payload, errors)
    consents = payload.get("consents", {"answer": True})
    if not isinstance(consents, dict) or not all(
        k in PURPOSES and isinstance(v, bool) for k, v in consents.items()
    ):
        errors["consents"] = f"must map purposes ({', '.join(PURPOSES)}) to true or false"
    areas, topics = _subscriptions(payload, errors)
    if errors:
        raise ValidationFailed(errors)
    return Contact(participant_id=new_participant_id(), created_at=now, consents=dict(consents),
                   areas=areas, topics=topics, **details)


def subscribe(payload: dict, *, now: datetime) -> Contact:
    """A public subscription to an area or topic. Anyone can type any address, so nothing is
    sent under it until its owner confirms (double opt-in): consent starts as not given."""
    errors: dict[str, str] = {}
    details = _details(payload, errors)
    areas, topics = _subscriptions(payload, errors)
    if not areas and not topics and "areas" not in errors and "topics" not in errors:
        errors["areas"] = "choose at least one area or topic"
    unknown = set(payload) - {"email", "phone", "language", "plain_language", "areas", "topics"}
    for name in sorted(unknown):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return Contact(participant_id=new_participant_id(), created_at=now,
                   consents={"area_updates": False}, areas=areas, topics=topics,
                   confirm_token=new_token(), **details)


def confirm(contact: Contact) -> None:
    contact.consents = {**contact.consents, "area_updates": True}
    contact.confirm_token = None


def unsubscribe(contact: Contact) -> None:
    """Every consent withdrawn and every subscription ended; the contact stays only so that
    its owner can still erase it with the same link."""
    contact.consents = {purpose: False for purpose in PURPOSES}
    contact.areas = []
    contact.topics = []
    contact.confirm_token = None
