"""A unit's yearly participation plan (osallisuussuunnitelma) in its annual clock
(vuosikello): participation planned by month, shown against what was actually done.
Framework-free."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.common.envelope import iso, parse_time
from services.common.errors import ValidationFailed
from services.projects.domain import UNIT_PATTERN, Project, local_date
from services.projects.steps import step

MAX_ENTRIES = 200
ENTRY_FIELDS = {"month", "title", "method", "project_id", "notes"}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


@dataclass
class Plan:
    unit: str
    year: int
    entries: list[dict]
    saved_at: datetime
    saved_by: str
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    @property
    def id(self) -> str:
        return plan_id(self.unit, self.year)


def plan_id(unit: str, year: int) -> str:
    return f"{unit}:{year}"


def check_key(unit: str, year: str) -> int:
    errors = {}
    if not UNIT_PATTERN.match(unit):
        errors["unit"] = "must be a unit code such as urban-environment"
    if not re.fullmatch(r"[0-9]{4}", year) or not 2000 <= int(year) <= 2100:
        errors["year"] = "must be a year such as 2026"
    if errors:
        raise ValidationFailed(errors)
    return int(year)


def _entry(index: int, entry, methods: frozenset[str], errors: dict) -> dict:
    where = f"entries[{index}]"
    if not isinstance(entry, dict):
        errors[where] = "must be an object with month and title"
        return {}
    month, title = entry.get("month"), entry.get("title")
    if type(month) is not int or not 1 <= month <= 12:
        errors[f"{where}.month"] = "is required: a month number from 1 to 12"
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        errors[f"{where}.title"] = "is required: text of at most 200 characters"
    method = entry.get("method") or None
    if method is not None and method not in methods:
        errors[f"{where}.method"] = "unknown method; see the method catalogue"
    project_id = entry.get("project_id") or None
    if project_id is not None:
        try:
            project_id = str(uuid.UUID(str(project_id)))
        except ValueError:
            errors[f"{where}.project_id"] = "must be a project id"
    notes = entry.get("notes") or None
    if notes is not None and (not isinstance(notes, str) or len(notes) > 500):
        errors[f"{where}.notes"] = "must be text of at most 500 characters"
    for name in sorted(set(entry) - ENTRY_FIELDS):
        errors[f"{where}.{name}"] = "unknown field"
    return {"month": month, "title": title.strip() if isinstance(title, str) else title,
            "method": method, "project_id": project_id, "notes": notes}


def save(unit: str, year: int, payload, *, methods: frozenset[str], now: datetime,
         by: str) -> Plan:
    """The whole plan of a unit for a year (saving again replaces it)."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "must be a JSON object with entries"})
    errors: dict[str, str] = {}
    raw = payload.get("entries")
    if not isinstance(raw, list) or not raw:
        errors["entries"] = "is required: the participation planned, one entry per item " \
                            "with month and title"
        raw = []
    elif len(raw) > MAX_ENTRIES:
        errors["entries"] = f"must have at most {MAX_ENTRIES} entries"
    entries = [_entry(i, e, methods, errors) for i, e in enumerate(raw)]
    for name in sorted(set(payload) - {"entries"}):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    entries.sort(key=lambda e: e["month"])
    plan = Plan(unit=unit, year=year, entries=entries, saved_at=now, saved_by=by)
    plan.events.append(("ParticipationPlanSaved", {
        "unit": unit, "year": year, "planned_count": len(entries),
        "methods": sorted({e["method"] for e in entries if e["method"]}),
        "saved_at": iso(now)}))
    return plan


def _status(project: Project | None) -> str | None:
    if project is None:
        return None
    if project.finished:
        return "finished (impact communicated)"
    return f"at step {project.current_step}: {step(project.current_step).en}"


def annual_clock(unit: str, year: int, plan: Plan | None, projects: list[Project]) -> dict:
    """Month by month: what was planned, and what the unit's projects actually did."""
    by_id = {p.id: p for p in projects}
    months = [{"month": m, "name": MONTHS_EN[m - 1], "planned": [], "done": [], "started": []}
              for m in range(1, 13)]
    for entry in plan.entries if plan else []:
        project = by_id.get(entry["project_id"]) if entry["project_id"] else None
        months[entry["month"] - 1]["planned"].append({
            **entry, "project_title": project.title if project else None,
            "status": _status(project)})
    done_steps, active = 0, set()
    for project in projects:
        started = date.fromisoformat(project.starts_on)
        if started.year == year:
            months[started.month - 1]["started"].append(
                {"project_id": project.id, "title": project.title})
            active.add(project.id)
        for entry in project.history:
            when = local_date(parse_time(entry["at"]))
            if entry["action"] == "completed" and when.year == year:
                months[when.month - 1]["done"].append({
                    "project_id": project.id, "title": project.title, "step": entry["step"],
                    "step_name": step(entry["step"]).en, "on": when.isoformat()})
                done_steps += 1
                active.add(project.id)
    planned_projects = {e["project_id"] for e in (plan.entries if plan else [])}
    return {
        "unit": unit, "year": year,
        "plan": None if plan is None else {
            "saved_at": iso(plan.saved_at), "saved_by": plan.saved_by,
            "entries": plan.entries},
        "months": months,
        "summary": {
            "planned": len(plan.entries) if plan else 0,
            "planned_and_linked": sum(1 for e in (plan.entries if plan else [])
                                      if e["project_id"] in by_id),
            "projects_active": len(active),
            "steps_completed": done_steps,
            "projects_finished": sum(1 for p in projects if p.id in active and p.finished),
            "unplanned_projects": sorted(
                ({"project_id": p.id, "title": p.title} for p in projects
                 if p.id in active and p.id not in planned_projects),
                key=lambda x: x["title"]),
        },
    }
