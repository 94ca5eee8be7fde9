"""The contact registry: the one place that holds contact details for messages. Everything
else refers to a person by the pseudonymous participant id issued here."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from services.common.errors import ValidationFailed
from services.common.vocabulary import LANGUAGE_PATTERN

# What a person may agree to be contacted about.
PURPOSES = ("answer", "results", "impact", "decision", "area_updates")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


def new_participant_id() -> str:
    return "p-" + secrets.token_hex(16)


@dataclass
class Contact:
    participant_id: str
    language: str
    created_at: datetime
    email: str | None = None
    phone: str | None = None
    plain_language: bool = False
    consents: dict[str, bool] = field(default_factory=dict)
    unsubscribe_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def register(payload: dict, *, now: datetime) -> Contact:
    errors: dict[str, str] = {}
    email = payload.get("email") or None
    phone = payload.get("phone") or None
    if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
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
    consents = payload.get("consents", {"answer": True})
    if not isinstance(consents, dict) or not all(
        k in PURPOSES and isinstance(v, bool) for k, v in consents.items()
    ):
        errors["consents"] = f"must map purposes ({', '.join(PURPOSES)}) to true or false"
    if errors:
        raise ValidationFailed(errors)
    return Contact(participant_id=new_participant_id(), language=language, created_at=now,
                   email=email.strip() if email else None, phone=phone, plain_language=plain,
                   consents=dict(consents))
