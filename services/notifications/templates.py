"""Message templates: one YAML file per trigger under templates/, with a subject, an e-mail
body and an SMS text in Finnish, Swedish, English and plain-language Finnish (selkokieli).

Each template gets a few prepared variables (see the comment at the top of its file); the
footer with the unsubscribe link is added to every message here, so none can lack it."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from jinja2 import Environment, StrictUndefined

from services.common.envelope import parse_time
from services.common.schemas import schemas_dir
from services.notifications.domain import PLAIN, TEMPLATE_OF_TRIGGER, VARIANTS, variant_language

TEMPLATE_DIR = Path(__file__).parent / "templates"
PARTS = ("subject", "body", "sms")
CITY_TIME = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class Rendered:
    template: str
    variant: str
    subject: str
    body: str
    sms: str

    @property
    def language(self) -> str:
        return variant_language(self.variant)

    @property
    def plain_language(self) -> bool:
        return self.variant == PLAIN


class TemplateError(Exception):
    pass


def _environment() -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False)
    # Text written by staff can start a sentence; `capitalize` would lower-case the rest.
    env.filters["sentence"] = lambda text: text[:1].upper() + text[1:]
    return env


@cache
def _names() -> dict:
    return yaml.safe_load((TEMPLATE_DIR / "_names.yml").read_text(encoding="utf-8"))


@cache
def load(name: str) -> dict:
    """The compiled parts of one template, checked to be complete."""
    path = TEMPLATE_DIR / f"{name}.yml"
    if name.startswith("_") or not path.is_file():
        raise TemplateError(f"no template {name!r}")
    return _compile(path, PARTS)


@cache
def _footer() -> dict:
    return _compile(TEMPLATE_DIR / "_footer.yml", ("body", "sms"))


def _compile(path: Path, parts: tuple[str, ...]) -> dict:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    env = _environment()
    compiled = {}
    for variant in VARIANTS:
        texts = raw.get(variant) or {}
        missing = [p for p in parts if not texts.get(p)]
        if missing:
            raise TemplateError(f"{path.name}: {variant} lacks {', '.join(missing)}")
        compiled[variant] = {p: env.from_string(texts[p]) for p in parts}
    return compiled


def names() -> list[str]:
    return sorted(TEMPLATE_OF_TRIGGER.values())


def name_of(kind: str, key: str | None, variant: str) -> str:
    """A localised name from _names.yml; the code itself when there is none."""
    entry = _names()[kind].get(key or "")
    if not entry:
        return key or ""
    return entry.get(variant) or entry.get(variant_language(variant)) or entry["fi"]


def format_date(value: str | None, variant: str) -> str:
    if not value:
        return ""
    moment = parse_time(value).astimezone(CITY_TIME)
    if variant_language(variant) == "en":
        return f"{moment.day} {_names()['months']['en'][moment.month - 1]} {moment.year}"
    return f"{moment.day}.{moment.month}.{moment.year}"


def _plain(ctx: dict, variant: str, field: str, plain_field: str) -> str:
    return (variant == PLAIN and ctx.get(plain_field)) or ctx[field]


def _interest(ctx: dict, variant: str, extra: dict) -> str:
    """Which of the subscriber's areas and topics a message concerns (all of them for a
    confirmation); the event's areas when the subscriber is not known (a preview)."""
    areas = extra.get("areas")
    topics = extra.get("topics") or []
    if areas is None:
        areas = ctx.get("areas") or []
    elif ctx.get("areas") is not None:
        areas = [a for a in areas if a in ctx["areas"]] or []
    if ctx.get("unit"):
        topics = [t for t in topics if t == ctx["unit"]]
    labels = [name_of("areas", a, variant) for a in areas] + list(topics)
    return ", ".join(labels) or "Lahti"


# How each template's variables are prepared from the message's context (the trigger's
# public data) and what is known of the recipient at sending time (`extra`).
_PREPARE: dict[str, Callable[[dict, str, dict], dict]] = {
    "feedback_answered": lambda c, v, x: {
        "kind": name_of("feedback_kinds", c.get("kind"), v),
        "received": format_date(c.get("received_at"), v),
        "answered": format_date(c.get("answered_at"), v),
        "public": bool(c.get("public")),
        "answer": x.get("answer_text"),
        "follow_url": f"{x['public_url']}/feedback/receipt",
    },
    "results_published": lambda c, v, x: {
        "title": c["title"],
        "summary": _plain(c, v, "summary", "plain_language_summary"),
        "results_url": c.get("results_url") or None,
        "published": format_date(c.get("published_at"), v),
    },
    "impact_communicated": lambda c, v, x: {
        "title": c["title"],
        "statement": _plain(c, v, "impact_statement", "plain_language_statement"),
        "participant_count": c.get("participant_count", 0),
        "communicated": format_date(c.get("communicated_at"), v),
    },
    "application_decided": lambda c, v, x: {
        "body": name_of("bodies", c.get("body_id"), v),
        "decision": c["decision"],
        "reserve_rank": c.get("reserve_rank"),
        "decided": format_date(c.get("decided_at"), v),
    },
    "statement_answered": lambda c, v, x: {
        "body": name_of("bodies", c.get("body_id"), v),
        "answered_by": c["answered_by"],
        "answer_summary": c["answer_summary"],
        "answered": format_date(c.get("answered_at"), v),
    },
    "area_update": lambda c, v, x: {
        "source": "impact" if "impact_statement" in c else "results",
        "title": c["title"],
        "text": (_plain(c, v, "impact_statement", "plain_language_statement")
                 if "impact_statement" in c
                 else _plain(c, v, "summary", "plain_language_summary")),
        "when": format_date(c.get("communicated_at") or c.get("published_at"), v),
        "results_url": c.get("results_url") or None,
        "interest": _interest(c, v, x),
    },
    "subscription_confirmation": lambda c, v, x: {
        "interest": _interest({}, v, x),
        "confirm_url": x["confirm_url"],
    },
}


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render(name: str, variant: str, context: dict, extra: dict) -> Rendered:
    """`extra` has public_url and unsubscribe_url, for subscribers their areas and topics,
    confirm_url for a confirmation and answer_text for an answered feedback."""
    parts = load(name)[variant]
    footer = _footer()[variant]
    values = {**_PREPARE[name](context, variant, extra),
              "unsubscribe_url": extra["unsubscribe_url"]}
    # A header never spans lines, whatever text the city wrote into a title.
    subject = " ".join(parts["subject"].render(values).split())
    body = _tidy(parts["body"].render(values)) + "\n\n" + _tidy(footer["body"].render(values))
    sms = " ".join(parts["sms"].render(values).split()) + " " + footer["sms"].render(values)
    return Rendered(name, variant, subject, body + "\n", sms)


# Previews use the example event of each trigger from the published event catalogue.
_EXAMPLE_OF = {
    "feedback_answered": "FeedbackAnswered",
    "results_published": "ResultsPublished",
    "impact_communicated": "ImpactCommunicated",
    "application_decided": "ApplicationDecided",
    "statement_answered": "StatementAnswered",
    "area_update": "ImpactCommunicated",
}


def preview(name: str, variant: str, public_url: str) -> Rendered:
    load(name)  # an unknown name fails here
    event = _EXAMPLE_OF.get(name)
    context = {}
    if event:
        path = schemas_dir() / "events" / event / "v1.example.json"
        context = json.loads(path.read_text(encoding="utf-8"))["data"]
    extra = {"public_url": public_url, "unsubscribe_url": f"{public_url}/notifications/"
             "unsubscribe/EXAMPLE-TOKEN", "confirm_url": f"{public_url}/notifications/"
             "subscriptions/confirm/EXAMPLE-TOKEN", "areas": context.get("areas", ["keskusta"])}
    return render(name, variant, context, extra)
