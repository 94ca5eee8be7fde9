"""Applications to a body through a call: validation, eligibility with a reason for every
failure, withdrawal, and the retention rules for the personal data they hold."""

import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.common.actor import Forbidden
from services.common.envelope import iso
from services.common.errors import Conflict, DomainError, ValidationFailed
from services.common.vocabulary import AREAS, LANGUAGE_PATTERN
from services.tables.bodies import REPRESENTS, Body
from services.tables.calls import Call, local_today, parse_date

AGE_BANDS = (("13-17", 13, 17), ("18-29", 18, 29), ("30-44", 30, 44), ("45-64", 45, 64),
             ("65-74", 65, 74), ("75+", 75, 200))
MINOR_BAND = "13-17"
GENDERS = ("woman", "man", "other", "not_given")
MAX_MOTIVATION = 1000
PARTICIPANT_ID = re.compile(r"^p-[0-9a-f]{32}$")
# Codes are read aloud and typed: no 0/O, 1/I/L look-alikes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
WITHDRAWAL_CODE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


class CallNotOpen(DomainError):
    status = 409
    code = "call_closed"


class NotEligible(DomainError):
    status = 422
    code = "not_eligible"


class DuplicateApplication(DomainError):
    status = 409
    code = "duplicate_application"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str:
    for band, low, high in AGE_BANDS:
        if low <= age <= high:
            return band
    raise ValueError(f"no age band for age {age}")


def new_withdrawal_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def person_key(call_id: str, name: str, born: date) -> str:
    """The same person in the same call: a name compared without case, accents or extra
    spaces, plus the birth date. Stored as a hash so the guard holds no readable data."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    canonical = " ".join(folded.split())
    return hashlib.sha256(f"{call_id}|{canonical}|{born.isoformat()}".encode()).hexdigest()


@dataclass
class Application:
    id: str
    call_id: str
    body_id: str
    age_band: str
    area: str
    represents: str
    language: str
    submitted_at: datetime
    name: str | None
    date_of_birth: date | None
    motivation: str | None
    organisation: str | None = None
    gender: str = "not_given"
    public_listing: bool = False  # consent to be named on the public list of members
    participant_id: str | None = None
    withdrawal_code_hash: str | None = None
    status: str = "submitted"  # submitted | withdrawn
    withdrawn_at: datetime | None = None
    anonymised_at: datetime | None = None
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    @property
    def is_minor(self) -> bool:
        return self.age_band == MINOR_BAND

    def withdraw(self, code: str, call: Call, now: datetime) -> None:
        if self.status == "withdrawn":
            raise Conflict("The application has been withdrawn already.")
        if not self.withdrawal_code_hash or not hmac.compare_digest(
                self.withdrawal_code_hash, code_hash(code)):
            raise Forbidden("The withdrawal code does not match this application.")
        if call.status(local_today(now)) != "open":
            raise CallNotOpen("The call is closed: an application can be withdrawn only while "
                              "the call is open. Contact the coordinator instead.")
        self.status = "withdrawn"
        self.withdrawn_at = now
        self.anonymise(now)  # nothing of a withdrawn application is needed any more

    def anonymise(self, now: datetime) -> None:
        """Keeps only the categories (for statistics and the audit of a selection)."""
        self.name = self.date_of_birth = self.motivation = self.organisation = None
        self.participant_id = self.withdrawal_code_hash = None
        self.gender = "not_given"
        self.public_listing = False
        self.anonymised_at = now

    def staff_view(self) -> dict:
        return {
            "id": self.id, "call_id": self.call_id, "body_id": self.body_id,
            "status": self.status, "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "age_band": self.age_band, "minor": self.is_minor, "area": self.area,
            "represents": self.represents, "organisation": self.organisation,
            "motivation": self.motivation, "language": self.language, "gender": self.gender,
            "public_listing": self.public_listing,
            "has_contact": self.participant_id is not None,
            "submitted_at": iso(self.submitted_at),
            "withdrawn_at": iso(self.withdrawn_at) if self.withdrawn_at else None,
            "anonymised_at": iso(self.anonymised_at) if self.anonymised_at else None,
        }


@dataclass
class ApplicationInput:
    body_id: str
    name: str
    date_of_birth: date
    area: str
    represents: str
    organisation: str | None
    motivation: str
    language: str
    gender: str
    public_listing: bool
    participant_id: str | None


APPLICATION_FIELDS = {"body_id", "name", "date_of_birth", "area", "represents", "organisation",
                      "motivation", "language", "gender", "public_listing", "participant_id"}


def _text(payload: dict, name: str, limit: int, errors: dict, required: bool) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be text"
    elif len(value) > limit:
        errors[name] = f"must be at most {limit} characters (got {len(value)})"
    else:
        return value.strip()
    return None


def parse(payload: dict, call: Call, *, today: date) -> ApplicationInput:
    """Validate the fields (one reason per invalid field), before any rule of the body."""
    errors: dict[str, str] = {}
    body_id = payload.get("body_id")
    if body_id is None and len(call.body_ids) == 1:
        body_id = call.body_ids[0]
    if body_id is None:
        errors["body_id"] = f"is required; this call fills: {', '.join(call.body_ids)}"
    elif not isinstance(body_id, str):
        errors["body_id"] = "must be the id of a body"
    name = _text(payload, "name", 120, errors, required=True)
    born = parse_date(payload.get("date_of_birth"), "date_of_birth", errors)
    if born is None and "date_of_birth" not in errors:
        errors["date_of_birth"] = "is required (a date such as 2008-05-17)"
    elif born is not None and (born > today or born.year < 1900):
        errors["date_of_birth"] = "must be a real birth date in the past"
    area = payload.get("area")
    if area not in AREAS:
        errors["area"] = f"is required; allowed values: {', '.join(AREAS)}"
    represents = payload.get("represents", "resident")
    if represents not in REPRESENTS:
        errors["represents"] = f"allowed values: {', '.join(REPRESENTS)}"
    organisation = _text(payload, "organisation", 200, errors,
                         required=represents in REPRESENTS and represents != "resident")
    if "organisation" in errors and errors["organisation"] == "is required":
        errors["organisation"] = f"give the name of the {represents} you represent"
    motivation = _text(payload, "motivation", MAX_MOTIVATION, errors, required=True)
    language = payload.get("language", "fi")
    if not isinstance(language, str) or not re.match(LANGUAGE_PATTERN, language):
        errors["language"] = "must be a two- or three-letter language code such as fi, sv or en"
    gender = payload.get("gender") or "not_given"
    if gender not in GENDERS:
        errors["gender"] = f"allowed values: {', '.join(GENDERS)} (optional)"
    public_listing = payload.get("public_listing", False)
    if not isinstance(public_listing, bool):
        errors["public_listing"] = "must be true or false"
    participant_id = payload.get("participant_id")
    if participant_id is not None and (not isinstance(participant_id, str)
                                       or not PARTICIPANT_ID.match(participant_id)):
        errors["participant_id"] = "must be a participant id issued by the contact registry"
    for unknown in sorted(set(payload) - APPLICATION_FIELDS):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return ApplicationInput(
        body_id=body_id, name=name, date_of_birth=born, area=area, represents=represents,
        organisation=organisation if represents != "resident" else None, motivation=motivation,
        language=language, gender=gender, public_listing=public_listing,
        participant_id=participant_id)


def check_open(call: Call, today: date) -> None:
    status = call.status(today)
    if status == "upcoming":
        raise CallNotOpen(f"The call opens on {call.opens_on.isoformat()}.", fields={
            "call": f"not open yet: applications are accepted from {call.opens_on.isoformat()}"})
    if status == "closed":
        closed = call.closed_early_at.date() if call.closed_early_at else call.closes_on
        raise CallNotOpen(f"The call closed on {closed.isoformat()}.", fields={
            "call": f"closed on {closed.isoformat()}: no more applications are accepted"})


def check_eligibility(given: ApplicationInput, call: Call, body: Body | None) -> None:
    """Every rule the applicant does not meet, each with its reason."""
    reasons: dict[str, str] = {}
    if body is None or given.body_id not in call.body_ids or not body.active:
        reasons["body_id"] = (f"this call does not fill {given.body_id!r}; "
                              f"it fills: {', '.join(call.body_ids)}")
        raise NotEligible("The application cannot be accepted.", fields=reasons)
    age = age_on(given.date_of_birth, call.closes_on)
    if age < body.min_age:
        reasons["date_of_birth"] = (f"applicants must be at least {body.min_age} on the closing "
                                    f"date {call.closes_on.isoformat()} (the applicant is {age})")
    elif body.max_age is not None and age > body.max_age:
        reasons["date_of_birth"] = (f"applicants must be at most {body.max_age} on the closing "
                                    f"date {call.closes_on.isoformat()} (the applicant is {age})")
    if given.area not in body.eligible_areas:
        reasons["area"] = (f"{body.name.get('en') or body.id} is open to residents of: "
                           f"{', '.join(body.eligible_areas)}")
    if given.represents not in body.represents:
        reasons["represents"] = (f"{body.name.get('en') or body.id} takes members who represent: "
                                 f"{', '.join(body.represents)}")
    if reasons:
        raise NotEligible("The applicant is not eligible for this body.", fields=reasons)


def submit(given: ApplicationInput, call: Call, *, now: datetime,
           withdrawal_code: str) -> Application:
    band = age_band(age_on(given.date_of_birth, call.closes_on))
    application = Application(
        id=str(uuid.uuid4()), call_id=call.id, body_id=given.body_id, age_band=band,
        area=given.area, represents=given.represents, language=given.language,
        submitted_at=now, name=given.name, date_of_birth=given.date_of_birth,
        motivation=given.motivation, organisation=given.organisation, gender=given.gender,
        public_listing=given.public_listing, participant_id=given.participant_id,
        withdrawal_code_hash=code_hash(withdrawal_code),
    )
    application.events.append(("ApplicationSubmitted", {
        "application_id": application.id, "call_id": call.id, "body_id": given.body_id,
        "age_band": band, "area": given.area, "represents": given.represents,
        "language": given.language, "participant_id": given.participant_id,
        "submitted_at": iso(now),
    }))
    return application


@dataclass(frozen=True)
class Retention:
    days: int = 180
    minor_days: int = 90  # minors' data is kept for a shorter time


def purge_due(application: Application, *, outcome: str | None, decided_at: datetime | None,
              term_end: date | None, call: Call, now: datetime, retention: Retention) -> bool:
    """Whether the personal data of an application not selected has been kept long enough.

    outcome: "selected", "reserve", "not_selected" or None (no decision yet). Members keep
    their data; reserves are needed until the term ends; the rest until the retention ends.
    """
    if application.anonymised_at is not None or outcome == "selected":
        return False
    keep = timedelta(days=retention.minor_days if application.is_minor else retention.days)
    today = local_today(now)
    if outcome == "not_selected":
        return decided_at is not None and now >= decided_at + keep
    if outcome == "reserve":
        return term_end is not None and today > term_end + keep
    # Not decided: only when the call closed longer ago than the retention period.
    closed_on = call.closed_early_at.date() if call.closed_early_at else call.closes_on
    return call.status(today) == "closed" and today > closed_on + keep
