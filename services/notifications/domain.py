"""Who is told what, in which words, and when to try again: the notifications model, free of
frameworks. Contacts themselves are in contacts.py."""

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

# Each trigger asks for one purpose of consent; the purposes are those of contacts.PURPOSES.
PURPOSE_OF_TRIGGER = {
    "FeedbackAnswered": "answer",
    "StatementAnswered": "answer",
    "ResultsPublished": "results",
    "ImpactCommunicated": "impact",
    "ApplicationDecided": "decision",
    "AreaUpdate": "area_updates",
    "SubscriptionConfirmation": None,  # asks for consent, so it cannot need one
}
TEMPLATE_OF_TRIGGER = {
    "FeedbackAnswered": "feedback_answered",
    "StatementAnswered": "statement_answered",
    "ResultsPublished": "results_published",
    "ImpactCommunicated": "impact_communicated",
    "ApplicationDecided": "application_decided",
    "AreaUpdate": "area_update",
    "SubscriptionConfirmation": "subscription_confirmation",
}
# A delivered message of these triggers closes a loop and is announced as MessageDelivered.
CLOSES_LOOP = frozenset(PURPOSE_OF_TRIGGER) - {"SubscriptionConfirmation"}

STATUSES = ("queued", "sending", "sent", "failed", "undeliverable", "cancelled")
PENDING = ("queued", "sending")

# Templates exist in these languages, and in plain-language Finnish (selkokieli).
LANGUAGES = ("fi", "sv", "en")
PLAIN = "fi-plain"
VARIANTS = ("fi", "sv", "en", PLAIN)
_NAMESPACE = uuid.UUID("6b1f9a52-4c1e-4d0a-9d37-1f0e4c6a2b7d")


def message_id(trigger_event_id: str, participant_id: str) -> str:
    """The same person and the same trigger always give the same id: a redelivered event
    queues nothing new, because the message document already exists under this id."""
    return str(uuid.uuid5(_NAMESPACE, f"{trigger_event_id}/{participant_id}"))


def confirmation_id(participant_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"confirm/{participant_id}"))


def template_variant(language: str | None, plain_language: bool) -> str:
    """The template a person gets. Their own language when there are texts in it; plain
    language is Finnish selkokieli, which is also written for people learning Finnish, so it
    is the choice for other languages too when plain language is asked for; otherwise English.
    A Swedish or English reader who asks for plain language keeps their own language."""
    if language in LANGUAGES:
        return PLAIN if plain_language and language == "fi" else language
    return PLAIN if plain_language else "en"


def variant_language(variant: str) -> str:
    return variant.split("-", 1)[0]


@dataclass(frozen=True)
class Recipient:
    participant_id: str
    trigger: str  # the trigger recorded on the message: the event's name, or AreaUpdate
    purpose: str


def choose_recipients(
    trigger: str,
    direct: Iterable[str],
    subscribers: Iterable[str],
    consents: Mapping[str, Mapping[str, bool]],
) -> list[Recipient]:
    """One message per person for one trigger. People the trigger is about (the resident
    answered, everyone who took part) are told under the trigger's own purpose; subscribers to
    the area or topic get an area update, unless they are told already. Nobody without a
    contact or without consent to the purpose is chosen."""
    purpose = PURPOSE_OF_TRIGGER[trigger]
    chosen: dict[str, Recipient] = {}
    for participant_id in direct:
        if participant_id not in chosen and consents.get(participant_id, {}).get(purpose):
            chosen[participant_id] = Recipient(participant_id, trigger, purpose)
    for participant_id in subscribers:
        if participant_id not in chosen and consents.get(participant_id, {}).get("area_updates"):
            chosen[participant_id] = Recipient(participant_id, "AreaUpdate", "area_updates")
    return list(chosen.values())


def took_part_in_time(joined_at: datetime, trigger_time: datetime) -> bool:
    """Results and impact go to those who had taken part when they were published, whatever
    order the events arrive in (they come from different topics)."""
    return joined_at <= trigger_time


def rendering_context(data: Mapping) -> dict:
    """What a message keeps of its trigger's data: the public facts, not who else got it."""
    return {k: v for k, v in data.items() if k not in ("participant_id", "member_ids")}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for sends that failed for a while (server away, 4xx); a
    permanent refusal (5xx) is not repeated. Either way the message ends as failed, visible
    to staff, who can retry it."""

    max_attempts: int = 6
    first_delay: float = 60.0  # seconds
    max_delay: float = 6 * 3600.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** max(0, attempt - 1))

    def next_attempt(self, attempts_made: int, permanent: bool, now: datetime) -> datetime | None:
        """When to try again after `attempts_made` failed attempts, or None: give up."""
        if permanent or attempts_made >= self.max_attempts:
            return None
        return now + timedelta(seconds=self.delay(attempts_made))


_EMAIL = re.compile(r"[^\s<>@:;,()\"']+@[^\s<>@:;,()\"']+")
_PHONE = re.compile(r"\+?\d[\d ()-]{5,}\d")


def redact(text: str) -> str:
    """Errors from mail servers often repeat the address; the delivery log must not."""
    return _PHONE.sub("[number]", _EMAIL.sub("[address]", text))[:500]


def mask_address(address: str) -> str:
    """Enough of an address for its owner to recognise it (m***@example.fi, +358 ** ***67)."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", address)
    return f"***{digits[-2:]}" if len(digits) > 2 else "***"
