"""Partnership tables and the other influence groups as data: each body has its own rules for
seats, term, age and areas. Framework-free."""

import re
from dataclasses import asdict, dataclass, field

from services.common.errors import ValidationFailed
from services.common.vocabulary import AREA_NAMES, AREAS

KINDS = ("partnership_table", "youth_council", "elderly_council", "disability_council", "jury",
         "citizens_panel")
REPRESENTS = ("resident", "association", "company", "parish", "school", "other")
# What a selection may balance: these are categories the application records.
QUOTA_FEATURES = ("age_band", "area", "represents", "gender")
BODY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
MIN_AGE = 13  # the platform's lowest age for applying to anything (DOMAIN.md)


@dataclass
class Body:
    id: str
    kind: str
    name: dict[str, str]  # by language: fi, sv, en
    seats: int
    term_months: int
    min_age: int = MIN_AGE
    max_age: int | None = None
    eligible_areas: list[str] = field(default_factory=lambda: list(AREAS))
    home_area: str | None = None  # the region of a regional partnership table
    represents: list[str] = field(default_factory=lambda: list(REPRESENTS))
    quota_features: list[str] = field(default_factory=lambda: ["age_band", "area", "represents"])
    description: str = ""
    active: bool = True

    def public_view(self) -> dict:
        return asdict(self)


def _table(area: str) -> Body:
    names = AREA_NAMES[area]
    return Body(
        id=f"table-{area}", kind="partnership_table",
        name={"fi": f"{names['fi']} kumppanuuspöytä", "en": f"{names['en']} partnership table"},
        seats=20, term_months=24, home_area=area,
        description="Regional partnership table (kumppanuuspöytä): 20 personal seats, "
                    "two-year term, open to any Lahti resident aged 13 or over "
                    "(city council 7.10.2024 § 102).",
    )


# Seeded once into an empty database; coordinators may change them afterwards.
DEFAULT_BODIES = (
    *(_table(area) for area in AREAS),
    Body(id="youth-council", kind="youth_council", seats=25, term_months=24, min_age=13,
         max_age=18, quota_features=["age_band", "area", "gender"],
         name={"fi": "Nuorisovaltuusto", "sv": "Ungdomsfullmäktige", "en": "Youth council"},
         description="Young people of Lahti aged 13 to 18 on the closing date."),
    Body(id="elderly-council", kind="elderly_council", seats=13, term_months=24, min_age=18,
         quota_features=["area", "represents"],
         name={"fi": "Vanhusneuvosto", "sv": "Äldrerådet", "en": "Elderly council"},
         description="Older residents and the organisations of older people."),
    Body(id="disability-council", kind="disability_council", seats=13, term_months=24,
         min_age=18, quota_features=["area", "represents"],
         name={"fi": "Vammaisneuvosto", "sv": "Rådet för personer med funktionsnedsättning",
               "en": "Disability council"},
         description="Residents with disabilities, their families and organisations."),
    Body(id="resident-jury", kind="jury", seats=15, term_months=12, min_age=13,
         quota_features=["age_band", "area", "gender"],
         name={"fi": "Asukasraati", "sv": "Invånarjury", "en": "Resident jury"},
         description="Residents who assess a service or plan together (asukas- ja asiakasraadit)."),
    Body(id="citizens-panel", kind="citizens_panel", seats=30, term_months=12, min_age=15,
         quota_features=["age_band", "area", "gender"],
         name={"fi": "Kuntalaispaneeli", "sv": "Invånarpanel", "en": "Citizens' panel"},
         description="A panel drawn to reflect the residents of Lahti."),
)


def _int(payload: dict, name: str, low: int, high: int, errors: dict, default=None) -> int | None:
    value = payload.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = f"must be a whole number from {low} to {high}"
        return None
    return value


def _subset(payload: dict, name: str, allowed: tuple, errors: dict, default: list) -> list:
    value = payload.get(name, default)
    if (not isinstance(value, list) or not value or not all(v in allowed for v in value)
            or len(set(value)) != len(value)):
        errors[name] = f"must be a non-empty list of distinct values from: {', '.join(allowed)}"
        return default
    return list(value)


BODY_FIELDS = {"id", "kind", "name", "seats", "term_months", "min_age", "max_age",
               "eligible_areas", "home_area", "represents", "quota_features", "description",
               "active"}


def parse_body(payload: dict, *, existing: Body | None = None) -> Body:
    """A new body, or the new rules of an existing one (its id and kind stay)."""
    base = asdict(existing) if existing else {}
    merged = {**base, **payload}
    errors: dict[str, str] = {}
    body_id = existing.id if existing else merged.get("id")
    if existing and payload.get("id", body_id) != body_id:
        errors["id"] = "cannot be changed"
    elif not isinstance(body_id, str) or not BODY_ID.match(body_id):
        errors["id"] = "must be 2-80 lower-case letters, digits and hyphens, e.g. village-jury"
    kind = merged.get("kind")
    if kind not in KINDS:
        errors["kind"] = f"must be one of: {', '.join(KINDS)}"
    name = merged.get("name")
    if (not isinstance(name, dict) or not name.get("fi")
            or not all(isinstance(k, str) and isinstance(v, str) and 0 < len(v) <= 120
                       for k, v in name.items())):
        errors["name"] = "must give the name by language, at least in Finnish: {\"fi\": \"...\"}"
    seats = _int(merged, "seats", 1, 200, errors)
    if seats is None and "seats" not in errors:
        errors["seats"] = "is required"
    term = _int(merged, "term_months", 1, 72, errors)
    if term is None and "term_months" not in errors:
        errors["term_months"] = "is required"
    min_age = _int(merged, "min_age", MIN_AGE, 120, errors, default=MIN_AGE)
    max_age = _int(merged, "max_age", MIN_AGE, 120, errors)
    if min_age is not None and max_age is not None and max_age < min_age:
        errors["max_age"] = "must not be below min_age"
    areas = _subset(merged, "eligible_areas", AREAS, errors, list(AREAS))
    home_area = merged.get("home_area")
    if home_area is not None and home_area not in AREAS:
        errors["home_area"] = f"must be one of: {', '.join(AREAS)}"
    represents = _subset(merged, "represents", REPRESENTS, errors, list(REPRESENTS))
    features = _subset(merged, "quota_features", QUOTA_FEATURES, errors,
                       ["age_band", "area", "represents"])
    description = merged.get("description") or ""
    if not isinstance(description, str) or len(description) > 2000:
        errors["description"] = "must be text of at most 2000 characters"
    active = merged.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = "must be true or false"
    for unknown in sorted(set(payload) - BODY_FIELDS):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return Body(id=body_id, kind=kind, name=dict(name), seats=seats, term_months=term,
                min_age=min_age, max_age=max_age, eligible_areas=areas, home_area=home_area,
                represents=represents, quota_features=features, description=description,
                active=active)
