"""The seven steps of organising participation (osallisuuden järjestämisen askelmerkit) and
the outputs the model asks for at each, as data: the API serves it, the staff forms are
drawn from it, and `validate_outputs` checks a step's outputs against it.

Framework-free."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from services.common.errors import ValidationFailed
from services.common.vocabulary import LANGUAGE_PATTERN

MAX_COUNT = 10_000_000
MAX_ITEMS = 200
MAX_IDS = 10_000
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")
URL_PATTERN = re.compile(r"^https?://[^\s]{3,490}$")

INVITE_CHANNELS = (
    "omalahti", "lahti_fi", "social_media", "press", "newsletter", "posters", "letters",
    "schools", "associations", "partnership_tables", "local_events", "other",
)
IMPACT_CHANNELS = (
    "messages_to_participants", "omalahti", "lahti_fi", "intranet", "social_media", "press",
    "newsletter", "partnership_tables", "decision_makers", "other",
)
SPECIAL_GROUPS = (
    "children", "young_people", "older_people", "people_with_disabilities",
    "immigrants_and_language_minorities", "families", "businesses", "associations", "other",
)
MODES = ("online", "face_to_face", "both")
LABELS = {  # English labels of the code lists above, for forms and public pages
    "omalahti": "OmaLahti participation site", "lahti_fi": "lahti.fi", "social_media":
    "Social media", "press": "Press release", "newsletter": "Newsletter", "posters":
    "Posters and flyers", "letters": "Letters", "schools": "Schools and day care",
    "associations": "Associations", "partnership_tables": "Partnership tables",
    "local_events": "Local events", "other": "Other", "messages_to_participants":
    "Messages to participants", "intranet": "Intranet (internally)", "decision_makers":
    "Decision-makers", "children": "Children", "young_people": "Young people",
    "older_people": "Older people", "people_with_disabilities": "People with disabilities",
    "immigrants_and_language_minorities": "Immigrants and language minorities",
    "families": "Families with children", "businesses": "Businesses", "online": "Online",
    "face_to_face": "Face to face", "both": "Online and face to face",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # line, text, url, date, datetime, count, flag, list, ids, languages,
    #            choice, choices, methods, records
    en: str
    fi: str
    required: bool = True
    help: str = ""
    options: tuple[str, ...] = ()
    subfields: tuple["Field", ...] = ()
    max_len: int = 4000

    def as_dict(self) -> dict:
        spec = {"name": self.name, "kind": self.kind, "en": self.en, "fi": self.fi,
                "required": self.required, "help": self.help}
        if self.options:
            spec["options"] = [{"value": o, "en": LABELS.get(o, o)} for o in self.options]
        if self.subfields:
            spec["subfields"] = [s.as_dict() for s in self.subfields]
        return spec


@dataclass(frozen=True)
class Step:
    number: int
    key: str  # as in the ProjectStepCompleted event's step_name
    en: str
    fi: str
    guidance: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"number": self.number, "key": self.key, "en": self.en, "fi": self.fi,
                "guidance": self.guidance, "fields": [f.as_dict() for f in self.fields]}


def _line(name, en, fi, required=True, help=""):
    return Field(name, "line", en, fi, required, help, max_len=200)


STEPS: tuple[Step, ...] = (
    Step(1, "clarify_goal", "Clarify the goal", "Kirkasta tavoite",
         "What do you want views, knowledge or participation for? What and whom do you seek?",
         (Field("goal", "text", "Goal of the participation", "Tavoite"),
          Field("input_wanted", "text", "What input is wanted", "Mihin toivotaan näkemyksiä"),
          Field("target_groups", "list", "Target groups (one a line)", "Kohderyhmät"),
          Field("plain_language_goal", "text", "The goal in plain language (selkokieli)",
                "Tavoite selkokielellä", required=False,
                help="Shown on the public page; without it the goal is shown."))),
    Step(2, "choose_method", "Choose the method", "Valitse sopiva menetelmä",
         "How do you want residents to take part: online or face to face? Who and when?",
         (Field("methods", "methods", "Methods from the catalogue", "Menetelmät"),
          Field("mode", "choice", "Online or face to face", "Verkossa vai kasvotusten",
                options=MODES),
          Field("starts_on", "date", "Participation opens", "Osallistuminen alkaa"),
          Field("ends_on", "date", "Participation closes", "Osallistuminen päättyy"),
          Field("sessions", "records", "Sessions and events residents can register to",
                "Tilaisuudet", required=False,
                subfields=(Field("id", "line", "Session id", "Tunnus", required=False,
                                 max_len=20),
                           _line("title", "Title", "Nimi"),
                           Field("starts_at", "datetime", "Starts at", "Alkaa"),
                           _line("place", "Place or online link", "Paikka", required=False),
                           Field("capacity", "count", "Places (empty: no limit)", "Paikkoja",
                                 required=False))))),
    Step(3, "invite", "Invite", "Kutsu mukaan kehittämään",
         "Tell residents, companies and associations how they can take part. Mind special "
         "groups and clear language.",
         (Field("how_to_take_part", "text", "How to take part", "Miten voi osallistua"),
          Field("plain_language_how_to", "text", "How to take part in plain language",
                "Osallistumisohje selkokielellä", required=False),
          Field("channels", "choices", "Channels used to invite", "Kutsukanavat",
                options=INVITE_CHANNELS),
          Field("special_groups", "choices", "Special groups reached", "Erityisryhmät",
                required=False, options=SPECIAL_GROUPS),
          Field("plain_language", "flag", "Plain language (selkokieli) offered",
                "Selkokieli tarjolla"),
          Field("languages", "languages", "Languages offered (codes such as fi, sv, en; one "
                "a line)", "Kielet"))),
    Step(4, "run", "Run the participation", "Toteuta osallistumismahdollisuus",
         "Mind accessibility and interaction; value different views. Record every session "
         "with its participant count, and link the inputs gathered.",
         (Field("sessions_held", "records", "Sessions and events held", "Pidetyt tilaisuudet",
                subfields=(_line("title", "Title", "Nimi"),
                           Field("held_on", "date", "Held on", "Päivä"),
                           Field("participant_count", "count", "Participants",
                                 "Osallistujia"))),
          Field("accessibility", "text", "Accessibility and interaction: what was done",
                "Saavutettavuus ja vuorovaikutus", required=False),
          Field("feedback_ids", "ids", "Linked feedback (ids, one a line)", "Palautteet",
                required=False, help="Feedback sent for this project is linked automatically."),
          Field("feedback_count", "count", "Feedback received in all", "Palautteita",
                required=False),
          Field("statement_ids", "ids", "Linked table statements (ids)", "Kannanotot",
                required=False),
          Field("statement_count", "count", "Statements in all", "Kannanottoja",
                required=False),
          Field("survey_answer_ids", "ids", "Linked survey answers (ids)", "Kyselyvastaukset",
                required=False),
          Field("survey_answer_count", "count", "Survey answers in all", "Kyselyvastauksia",
                required=False))),
    Step(5, "communicate_results", "Communicate the results", "Viesti tuloksista",
         "Tell participants and others concerned what was done, where and when it has an "
         "effect; publish the results; ask for feedback on the participation.",
         (Field("results_summary", "text", "Results summary", "Tulosten yhteenveto"),
          Field("plain_language_summary", "text", "Results in plain language",
                "Tulokset selkokielellä"),
          Field("next_steps", "text", "What happens next: where and when the results have an "
                "effect", "Mihin ja milloin tulokset vaikuttavat"),
          Field("results_url", "url", "Link to the full results", "Linkki tuloksiin",
                required=False, max_len=500))),
    Step(6, "decide", "Turn the understanding into decisions", "Konkretisoi kerätty ymmärrys",
         "Make sure the outputs reach decision-making and implementation.",
         (_line("decision_body", "Body that decided", "Päättävä toimielin"),
          Field("decided_on", "date", "Decided on", "Päätöspäivä"),
          _line("reference", "Reference (section, diary number)", "Pykälä tai diaarinumero"),
          Field("taken_into_account", "text", "What from the participation was taken into "
                "account", "Mitä osallistumisesta otettiin huomioon"),
          Field("not_taken_into_account", "text", "What could not be taken into account, and "
                "why", "Mitä ei voitu ottaa huomioon ja miksi", required=False),
          Field("decision_url", "url", "Link to the decision", "Linkki päätökseen",
                required=False, max_len=500))),
    Step(7, "communicate_impact", "Communicate the impact",
         "Viesti osallistumisen vaikutuksista",
         "Record participant counts, tell internally and externally how participation had "
         "an effect, thank the participants.",
         (Field("impact_statement", "text", "How participation changed the outcome",
                "Miten osallistuminen vaikutti"),
          Field("plain_language_statement", "text", "The impact in plain language",
                "Vaikutus selkokielellä"),
          Field("participant_count", "count", "Final number of participants",
                "Osallistujamäärä"),
          Field("channels", "choices", "Where the impact was told", "Viestintäkanavat",
                options=IMPACT_CHANNELS),
          Field("thanks", "text", "Thank-you to participants", "Kiitos osallistujille",
                required=False),
          Field("lessons_learned", "text", "Lessons learned (internal)", "Opit",
                required=False))),
)
STEP_COUNT = len(STEPS)


def step(number: int) -> Step:
    return STEPS[number - 1]


def step_label(number: int, *, start: bool = False) -> str:
    """"step 2 (Choose the method)"; `start` for the beginning of a sentence."""
    return f"{'Step' if start else 'step'} {number} ({step(number).en})"


def _check(f: Field, value, methods: frozenset[str]):
    """Returns (cleaned value, reason or None). `value` is present (not None)."""
    kind = f.kind
    if kind in ("line", "text"):
        if not isinstance(value, str):
            return None, "must be text"
        value = value.strip()
        if len(value) > f.max_len:
            return None, f"must be at most {f.max_len} characters (got {len(value)})"
        return value, None
    if kind == "url":
        if not isinstance(value, str) or not URL_PATTERN.match(value.strip()):
            return None, "must be a web address starting with https:// or http://"
        return value.strip(), None
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except (TypeError, ValueError):
            return None, "must be a date such as 2026-03-31"
    if kind == "datetime":
        try:
            return datetime.fromisoformat(value).isoformat(timespec="minutes"), None
        except (TypeError, ValueError):
            return None, "must be a date and time such as 2026-03-31T17:30"
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None, "must be a non-negative whole number"
        if value > MAX_COUNT:
            return None, f"must be at most {MAX_COUNT}"
        return value, None
    if kind == "flag":
        if not isinstance(value, bool):
            return None, "must be true or false"
        return value, None
    if kind == "choice":
        if value not in f.options:
            return None, f"unknown value {value!r}; allowed values: {', '.join(f.options)}"
        return value, None
    if kind in ("list", "ids", "languages", "choices", "methods"):
        return _check_list(f, value, methods)
    if kind == "records":
        return _check_records(f, value, methods)
    raise AssertionError(f"unknown field kind {kind}")


def _check_list(f: Field, value, methods: frozenset[str]):
    limit = MAX_IDS if f.kind == "ids" else MAX_ITEMS
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, "must be a list of text items"
    items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(items) > limit:
        return None, f"must have at most {limit} items"
    allowed = methods if f.kind == "methods" else frozenset(f.options)
    if f.kind in ("choices", "methods"):
        unknown = [v for v in items if v not in allowed]
        if unknown:
            hint = "see the method catalogue" if f.kind == "methods" else \
                "allowed values: " + ", ".join(f.options)
            return None, f"unknown values {', '.join(map(repr, unknown))}; {hint}"
    elif f.kind == "ids":
        bad = [v for v in items if not ID_PATTERN.match(v)]
        if bad:
            return None, f"not ids: {', '.join(map(repr, bad[:5]))}"
    elif f.kind == "languages":
        bad = [v for v in items if not re.match(LANGUAGE_PATTERN, v)]
        if bad:
            return None, f"not language codes: {', '.join(map(repr, bad))} (use fi, sv, en…)"
    elif any(len(v) > 200 for v in items):
        return None, "each item must be at most 200 characters"
    return items, None


def _check_records(f: Field, value, methods: frozenset[str]):
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None, "must be a list of objects"
    if len(value) > MAX_ITEMS:
        return None, f"must have at most {MAX_ITEMS} items"
    cleaned, reasons = [], {}
    for index, record in enumerate(value):
        row, row_reasons = _clean(f.subfields, record, methods)
        reasons.update({f"{f.name}[{index}].{k}": v for k, v in row_reasons.items()})
        cleaned.append(row)
    return cleaned, reasons or None


def _clean(fields: tuple[Field, ...], payload: dict, methods: frozenset[str]):
    cleaned, errors = {}, {}
    for f in fields:
        value = payload.get(f.name)
        if value is None or value == "" or value == []:
            if f.required:
                errors[f.name] = "is required"
            continue
        value, reason = _check(f, value, methods)
        if isinstance(reason, dict):
            errors.update(reason)
        elif reason:
            errors[f.name] = reason
        elif value in ("", []):  # only blanks were given
            if f.required:
                errors[f.name] = "is required"
        else:
            cleaned[f.name] = value
    known = {f.name for f in fields}
    for name in sorted(set(payload) - known):
        errors[name] = "unknown field"
    return cleaned, errors


def validate_outputs(number: int, payload, *, methods: frozenset[str]) -> dict:
    """The step's outputs, cleaned; or ValidationFailed with a reason per missing or invalid
    field (a missing one says which step asks for it)."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "must be a JSON object with the step's outputs"})
    current = step(number)
    outputs, errors = _clean(current.fields, payload, methods)
    for name, reason in list(errors.items()):
        if reason == "is required":
            errors[name] = f"is required to complete {step_label(number)}"
    errors.update(_cross_checks(number, outputs))
    if errors:
        raise ValidationFailed(errors)
    return outputs


def _cross_checks(number: int, outputs: dict) -> dict[str, str]:
    errors = {}
    if number == 2 and outputs.get("starts_on") and outputs.get("ends_on") \
            and outputs["ends_on"] < outputs["starts_on"]:
        errors["ends_on"] = "must not be before starts_on"
    if number == 4:
        for kind in ("feedback", "statement", "survey_answer"):
            ids, count = outputs.get(f"{kind}_ids", []), outputs.get(f"{kind}_count")
            if count is not None and count < len(ids):
                errors[f"{kind}_count"] = f"must be at least the number of ids given ({len(ids)})"
    return errors
