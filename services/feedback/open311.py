"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), framework-free: feedback kinds
as services with their definitions, service requests mapped to and from feedback, the
filters of GET requests, and the discovery document.

Privacy: the resident's text, address, coordinates and media may identify people, so GET
requests publishes the service, status, dates, the responsible unit and the city's public
answer (`status_notes`), and leaves `description`, `address`, `lat`, `long` and `media_url`
empty, as the specification allows."""

from datetime import UTC, datetime, timedelta

from services.common.envelope import iso, parse_time
from services.common.errors import NotFound, ValidationFailed
from services.common.vocabulary import AREA_NAMES, AREAS
from services.feedback import domain

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00Z"  # when the services or their definitions last changed
LOCALES = ("fi", "sv", "en")
MAX_SPAN = timedelta(days=90)  # the spec's default range and the largest one allowed
MAX_REQUESTS = 1000

SERVICE_NAMES = {
    "feedback": {"fi": "Palaute", "sv": "Respons", "en": "Feedback"},
    "idea": {"fi": "Idea", "sv": "Idé", "en": "Idea"},
    "experience": {"fi": "Kokemus", "sv": "Erfarenhet", "en": "Experience"},
    "question": {"fi": "Kysymys", "sv": "Fråga", "en": "Question"},
    "praise": {"fi": "Ilahduttava kokemus", "sv": "Beröm", "en": "Praise"},
    "complaint": {"fi": "Valitus", "sv": "Klagomål", "en": "Complaint"},
    "initiative": {"fi": "Kuntalaisaloite", "sv": "Invånarinitiativ",
                   "en": "Citizens' initiative"},
}
SERVICE_DESCRIPTIONS = {
    "feedback": {"fi": "Yleinen palaute Lahden kaupungille.",
                 "sv": "Allmän respons till Lahtis stad.",
                 "en": "General feedback to the City of Lahti."},
    "idea": {"fi": "Ehdotus kaupungin tai palvelun kehittämiseksi.",
             "sv": "Ett förslag för att utveckla staden eller en tjänst.",
             "en": "A suggestion to develop the city or a service."},
    "experience": {"fi": "Kokemus ja tieto palvelusta tai alueesta.",
                   "sv": "Erfarenhet och kunskap om en tjänst eller ett område.",
                   "en": "Experience and knowledge of a service or an area."},
    "question": {"fi": "Kysymys kaupungille.", "sv": "En fråga till staden.",
                 "en": "A question to the city."},
    "praise": {"fi": "Kiitos ja ilahduttava kokemus.", "sv": "Beröm och glada erfarenheter.",
               "en": "Praise and a delightful experience."},
    "complaint": {"fi": "Valitus palvelusta tai epäkohdasta.",
                  "sv": "Klagomål på en tjänst eller ett missförhållande.",
                  "en": "A complaint about a service or a problem."},
    "initiative": {"fi": "Kuntalaisaloite, johon kaupunki vastaa julkisesti.",
                   "sv": "Ett invånarinitiativ som staden besvarar offentligt.",
                   "en": "A citizens' initiative, which the city answers publicly."},
}
GROUP = {"fi": "Palaute", "sv": "Respons", "en": "Feedback"}
AREA_LABELS = {area: {"sv": sv, **AREA_NAMES[area]} for area, sv in zip(
    AREAS, ("Centrum", "Östra", "Södra", "Norra"), strict=True)}
TEXTS = {
    "area": {"fi": "Suuralue, jota palaute koskee.", "sv": "Storområdet som responsen gäller.",
             "en": "The major area of Lahti the feedback is about."},
    "district": {"fi": "Kaupunginosa, esimerkiksi Liipola.",
                 "sv": "Stadsdel, till exempel Liipola.",
                 "en": "The district, for example Liipola."},
    "topic": {"fi": "Aihe tai palvelu, esimerkiksi puistot.",
              "sv": "Ämne eller tjänst, till exempel parker.",
              "en": "The topic or service, for example parks."},
    "language": {"fi": "Vastauksen kieli: fi, sv, en tai muu kielikoodi (oletus fi).",
                 "sv": "Svarets språk: fi, sv, en eller annan språkkod (standard fi).",
                 "en": "Language of the answer: fi, sv, en or another language code "
                       "(default fi)."},
    "project_id": {"fi": "Osallistumishankkeen tunniste, jos palaute liittyy hankkeeseen.",
                   "sv": "Delaktighetsprojektets id, om responsen gäller ett projekt.",
                   "en": "The participation project's id, if the feedback is about one."},
}
ATTRIBUTES = ("area", "district", "topic", "language", "project_id")
# Our field names as an Open311 client knows them, so every reason names what it sent.
WIRE_NAMES = {"text": "description", "latitude": "lat", "longitude": "long",
              "address": "address_string", "media_url": "media_url",
              **{name: f"attribute[{name}]" for name in ATTRIBUTES}}


def locale_of(value: str | None) -> str:
    """`fi`, `sv` or `en` from a locale such as `sv_FI` or `en-GB`; Finnish by default."""
    language = (value or "fi")[:2].lower()
    return language if language in LOCALES else "fi"


def services(locale: str) -> list[dict]:
    return [{
        "service_code": kind,
        "service_name": SERVICE_NAMES[kind][locale],
        "description": SERVICE_DESCRIPTIONS[kind][locale],
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(SERVICE_NAMES[kind].values()),
        "group": GROUP[locale],
    } for kind in domain.KINDS]


def definition(service_code: str, locale: str) -> dict:
    if service_code not in domain.KINDS:
        raise NotFound(f"service_code {service_code!r} was not found; "
                       f"services: {', '.join(domain.KINDS)}")

    def attribute(order, code, datatype, required, values=()):
        return {"variable": True, "code": code, "datatype": datatype, "required": required,
                "datatype_description": None, "order": order,
                "description": TEXTS[code][locale],
                "values": [{"key": key, "name": name} for key, name in values]}

    return {"service_code": service_code, "attributes": [
        attribute(1, "area", "singlevaluelist", True,
                  [(area, AREA_LABELS[area][locale]) for area in AREAS]),
        attribute(2, "district", "string", False),
        attribute(3, "topic", "string", False),
        attribute(4, "language", "string", False),
        attribute(5, "project_id", "string", False),
    ]}


def _attributes(fields: dict, errors: dict) -> dict:
    """`attribute[code]=value` form fields (or a JSON object under `attribute`)."""
    given = dict(fields.get("attribute") or {}) if isinstance(fields.get("attribute"), dict) \
        else {}
    for key, value in fields.items():
        if key.startswith("attribute[") and key.endswith("]"):
            given[key[len("attribute["):-1]] = value
    values = {}
    for code, value in given.items():
        if code not in ATTRIBUTES:
            errors[f"attribute[{code}]"] = f"unknown attribute; attributes: {', '.join(ATTRIBUTES)}"
        elif value not in (None, ""):
            values[code] = value
    return values


def _coordinate(fields: dict, name: str, errors: dict) -> float | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors[name] = "must be a decimal number (WGS84)"
        return None


def submission(fields: dict) -> tuple[dict, dict[str, str]]:
    """A POST requests form as a feedback submission, and the reasons found in the form
    itself (the domain adds its own). Raises NotFound for an unknown service_code (the
    spec's 404) and ValidationFailed for a missing one."""
    code = fields.get("service_code")
    if code in (None, ""):
        raise ValidationFailed({"service_code": "is required; services: " + ", ".join(domain.KINDS)})
    if code not in domain.KINDS:
        definition(code, "en")  # raises the 404
    errors: dict[str, str] = {}
    attributes = _attributes(fields, errors)
    payload = {"kind": code, "text": fields.get("description"), "channel": "e_feedback",
               **attributes}
    latitude = _coordinate(fields, "lat", errors)
    longitude = _coordinate(fields, "long", errors)
    if latitude is not None or longitude is not None:
        payload.update(latitude=latitude, longitude=longitude)
    address = fields.get("address_string") or fields.get("address_id")
    if address:
        payload["address"] = address
    if fields.get("media_url"):
        payload["media_url"] = fields["media_url"]
    return payload, errors


def wire_names(reasons: dict[str, str]) -> dict[str, str]:
    """Reasons named by the fields an Open311 client sent."""
    return {WIRE_NAMES.get(k, k): v for k, v in reasons.items()}


def created(feedback: domain.Feedback) -> list[dict]:
    """The POST requests answer. kuultu is realtime (the id at once); it also gives a token
    for clients written for batch servers, resolvable at GET tokens/{token}."""
    return [{
        "service_request_id": feedback.id,
        "token": feedback.open311_token,
        "service_notice": (f"Receipt code {feedback.receipt_code}: the resident can follow "
                           f"the feedback with it."),
        "account_id": None,
    }]


def status_notes(feedback: domain.Feedback, original: domain.Feedback | None) -> str | None:
    answers = (original or feedback).public_answers
    if answers:
        return answers[-1]["text"]
    if feedback.duplicate_of:
        return f"Duplicate of request {feedback.duplicate_of}."
    return None


def request_view(feedback: domain.Feedback, times: domain.AnswerTimes, locale: str,
                 original: domain.Feedback | None = None) -> dict:
    return {
        "service_request_id": feedback.id,
        "status": "open" if feedback.is_open else "closed",
        "status_notes": status_notes(feedback, original),
        "service_name": SERVICE_NAMES[feedback.kind][locale],
        "service_code": feedback.kind,
        "description": None,
        "agency_responsible": feedback.unit,
        "service_notice": None,
        "requested_datetime": iso(feedback.received_at),
        "updated_datetime": iso(feedback.updated_at),
        "expected_datetime": iso(feedback.due_at(times)),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _datetime(value: str, name: str, errors: dict) -> datetime | None:
    # A `+02:00` offset arrives as ` 02:00` when a client did not encode the `+`.
    text = value.strip().replace(" ", "+")
    try:
        moment = parse_time(text)
    except ValueError:
        errors[name] = "must be a W3C date-time such as 2026-11-01T00:00:00Z"
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _codes(value: str, allowed: tuple, name: str, errors: dict) -> list[str]:
    codes = [c.strip() for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        errors[name] = f"unknown value {', '.join(unknown)}; allowed values: {', '.join(allowed)}"
    return codes


def request_filters(query: dict, now: datetime) -> dict:
    """GET requests: service_request_id (overrides the rest), service_code, status,
    start_date and end_date (at most 90 days apart; the last 90 days by default)."""
    ids = [i.strip() for i in (query.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        return {"ids": ids[:MAX_REQUESTS]}
    errors: dict[str, str] = {}
    filters: dict = {}
    if query.get("service_code"):
        filters["kinds"] = _codes(query["service_code"], domain.KINDS, "service_code", errors)
    if query.get("status"):
        statuses = _codes(query["status"], ("open", "closed"), "status", errors)
        filters["statuses"] = [s for open_or_closed in statuses for s in (
            domain.OPEN_STATUSES if open_or_closed == "open" else ("answered", "closed"))]
    start = _datetime(query["start_date"], "start_date", errors) \
        if query.get("start_date") else None
    end = _datetime(query["end_date"], "end_date", errors) if query.get("end_date") else None
    if errors:
        raise ValidationFailed(errors)
    if start is None and end is None:
        end = now
    start = start or end - MAX_SPAN
    end = end or start + MAX_SPAN
    if end < start:
        raise ValidationFailed({"end_date": "must not be before start_date"})
    if end - start > MAX_SPAN:
        raise ValidationFailed({"end_date": "the range may not span more than 90 days"})
    filters.update(start=start, end=end)
    return filters


def discovery(url: str, contact: str, key_service: str, endpoint_type: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": url,
            "changeset": CHANGESET,
            "type": endpoint_type,
            "formats": ["text/xml", "application/json"],
        }],
    }
