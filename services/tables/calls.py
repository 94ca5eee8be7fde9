"""Calls for applications: when they are open, which bodies they fill and for which term."""

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.common.envelope import iso
from services.common.errors import Conflict, ValidationFailed
from services.tables.bodies import Body

CITY_TIME = ZoneInfo("Europe/Helsinki")  # a call "closes on" a date in Lahti, not in UTC
STATUSES = ("upcoming", "open", "closed")


def local_today(now: datetime) -> date:
    return now.astimezone(CITY_TIME).date()


def parse_date(value, name: str, errors: dict) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    errors[name] = "must be a date such as 2026-12-31"
    return None


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass
class Call:
    id: str
    title: str
    body_ids: list[str]
    opens_on: date
    closes_on: date
    term_start: date
    created_at: datetime
    created_by: str
    description: str = ""
    term_end: date | None = None  # when not given, each body's own term length applies
    closed_early_at: datetime | None = None
    history: list[dict] = field(default_factory=list)

    def status(self, today: date) -> str:
        if self.closed_early_at is not None or today > self.closes_on:
            return "closed"
        return "open" if today >= self.opens_on else "upcoming"

    def term_for(self, body: Body) -> tuple[date, date]:
        end = self.term_end or add_months(self.term_start, body.term_months) - timedelta(days=1)
        return self.term_start, end

    def close(self, now: datetime, actor: str) -> None:
        if self.status(local_today(now)) == "closed":
            raise Conflict("The call is closed already.")
        self.closed_early_at = now
        self.history.append({"at": iso(now), "by": actor, "action": "closed"})

    def view(self, today: date, bodies: dict[str, Body]) -> dict:
        terms = {b: self.term_for(bodies[b]) for b in self.body_ids if b in bodies}
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "status": self.status(today), "body_ids": list(self.body_ids),
            "opens_on": self.opens_on.isoformat(), "closes_on": self.closes_on.isoformat(),
            "term_start": self.term_start.isoformat(),
            "terms": {b: {"start": s.isoformat(), "end": e.isoformat()}
                      for b, (s, e) in terms.items()},
            "closed_early_at": iso(self.closed_early_at) if self.closed_early_at else None,
            "apply_url": f"/api/v1/calls/{self.id}/applications",
        }


CALL_FIELDS = {"title", "description", "body_ids", "opens_on", "closes_on", "term_start",
               "term_end"}


def open_call(payload: dict, *, bodies: dict[str, Body], now: datetime, actor: str) -> Call:
    errors: dict[str, str] = {}
    title = payload.get("title")
    if not isinstance(title, str) or not 0 < len(title.strip()) <= 200:
        errors["title"] = "is required, at most 200 characters"
    description = payload.get("description") or ""
    if not isinstance(description, str) or len(description) > 4000:
        errors["description"] = "must be text of at most 4000 characters"
    body_ids = payload.get("body_ids")
    if (not isinstance(body_ids, list) or not body_ids
            or not all(isinstance(b, str) for b in body_ids) or len(set(body_ids)) != len(body_ids)):
        errors["body_ids"] = "must list the distinct bodies the call fills"
    else:
        unknown = [b for b in body_ids if b not in bodies or not bodies[b].active]
        if unknown:
            errors["body_ids"] = f"unknown or inactive bodies: {', '.join(unknown)}"
    opens_on = parse_date(payload.get("opens_on"), "opens_on", errors)
    closes_on = parse_date(payload.get("closes_on"), "closes_on", errors)
    term_start = parse_date(payload.get("term_start"), "term_start", errors)
    term_end = parse_date(payload.get("term_end"), "term_end", errors)
    for name, value in (("opens_on", opens_on), ("closes_on", closes_on),
                        ("term_start", term_start)):
        if value is None and name not in errors:
            errors[name] = "is required (a date such as 2026-12-31)"
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = "must not be before opens_on"
    if closes_on and closes_on < local_today(now):
        errors["closes_on"] = "must not be in the past"
    if closes_on and term_start and term_start <= closes_on:
        errors["term_start"] = "must be after closes_on: members are chosen after the call"
    if term_start and term_end and term_end <= term_start:
        errors["term_end"] = "must be after term_start"
    for unknown in sorted(set(payload) - CALL_FIELDS):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    call = Call(id=str(uuid.uuid4()), title=title.strip(), description=description.strip(),
                body_ids=list(body_ids), opens_on=opens_on, closes_on=closes_on,
                term_start=term_start, term_end=term_end, created_at=now, created_by=actor)
    call.history.append({"at": iso(now), "by": actor, "action": "created"})
    return call
