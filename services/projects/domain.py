"""A participation project going through the seven steps: the ordering rules, reopening with
history, due dates, and the events it records. Framework-free."""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.common.envelope import iso
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.vocabulary import AREAS
from services.projects.steps import STEP_COUNT, step, step_label, validate_outputs

# Dates and session times are Lahti's local time.
LOCAL_TIME = ZoneInfo("Europe/Helsinki")
UNIT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_REASON = 1000
CREATE_FIELDS = ("title", "unit", "responsible", "responsible_name", "topic", "areas",
                 "starts_on", "ends_on", "due_dates")


class OutOfOrder(Conflict):
    """A step was asked for before the one in front of it was complete."""

    code = "step_out_of_order"


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


@dataclass
class StepState:
    number: int
    outputs: dict = field(default_factory=dict)
    completed_at: datetime | None = None
    completed_by: str | None = None
    due_on: str | None = None  # ISO date
    revision: int = 0  # how many times the step has been completed

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass
class Project:
    id: str
    title: str
    unit: str
    responsible: str  # the responsible staff member's id (the token subject)
    areas: list[str]
    starts_on: str
    ends_on: str
    created_at: datetime
    created_by: str
    responsible_name: str | None = None
    topic: str | None = None
    steps: list[StepState] = field(
        default_factory=lambda: [StepState(n) for n in range(1, STEP_COUNT + 1)])
    history: list[dict] = field(default_factory=list)
    published_at: datetime | None = None
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    # -- state -----------------------------------------------------------------------------
    @property
    def current_step(self) -> int:
        """The first step not complete; STEP_COUNT + 1 once all seven are."""
        return next((s.number for s in self.steps if not s.completed), STEP_COUNT + 1)

    @property
    def finished(self) -> bool:
        return self.current_step > STEP_COUNT

    @property
    def published(self) -> bool:
        """Public once residents were invited (step 3)."""
        return self.published_at is not None

    def state(self, number: int) -> StepState:
        return self.steps[number - 1]

    def outputs(self, number: int) -> dict:
        """A step's outputs, only while the step is complete."""
        state = self.state(number)
        return state.outputs if state.completed else {}

    @property
    def current_due_on(self) -> str | None:
        return None if self.finished else self.state(self.current_step).due_on

    def days_overdue(self, today: date) -> int:
        due = self.current_due_on
        return max(0, (today - date.fromisoformat(due)).days) if due else 0

    @property
    def methods(self) -> list[str]:
        return self.outputs(2).get("methods", [])

    @property
    def sessions(self) -> list[dict]:
        return self.outputs(2).get("sessions", [])

    @property
    def participant_count(self) -> int | None:
        """The final count once recorded (step 7), else the count of step 4."""
        for number in (7, 4):
            if "participant_count" in self.outputs(number):
                return self.outputs(number)["participant_count"]
        return None

    @property
    def registration_open(self) -> bool:
        return self.published and not self.state(4).completed

    @property
    def satisfaction_open(self) -> bool:
        """From the moment participation took place until the impact is communicated."""
        return self.state(4).completed and not self.state(7).completed

    # -- commands ------------------------------------------------------------------------------
    def complete(self, number: int, payload, *, by: str, now: datetime,
                 methods: frozenset[str], linked_feedback: Iterable[str] = ()) -> StepState:
        self._check_number(number)
        state = self.state(number)
        if state.completed:
            raise Conflict(f"{step_label(number, start=True)} is already complete; reopen it "
                           "with a reason to change it.", fields={"step": "already complete"})
        current = self.current_step
        if number > current:
            raise OutOfOrder(
                f"{step_label(number, start=True)} cannot start before {step_label(current)} "
                f"is complete. The current step is {current}.",
                fields={"step": f"the current step is {step_label(current)}"})
        outputs = validate_outputs(number, payload, methods=methods)
        if number == 2:
            outputs["sessions"] = self._with_session_ids(outputs.get("sessions", []))
        if number == 4:
            outputs = _with_inputs(outputs, linked_feedback)
        state.outputs = outputs
        state.completed_at, state.completed_by = now, by
        state.revision += 1
        self.history.append({"at": iso(now), "action": "completed", "step": number, "by": by,
                             "revision": state.revision, "outputs": outputs})
        if number == 3 and not self.published:
            self.published_at = now
        self._record_completion(number, now)
        return state

    def reopen(self, number: int, reason, *, by: str, now: datetime) -> list[int]:
        """Reopens a complete step and every complete step after it (they built on it).
        Their outputs stay as drafts; the history keeps every completion and this reason."""
        self._check_number(number)
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed({"reason": "is required: say why the step is reopened"})
        if len(reason) > MAX_REASON:
            raise ValidationFailed({"reason": f"must be at most {MAX_REASON} characters"})
        if not self.state(number).completed:
            raise Conflict(f"{step_label(number, start=True)} is not complete; there is "
                           "nothing to reopen.", fields={"step": "not complete"})
        reopened = [s.number for s in self.steps[number - 1:] if s.completed]
        for n in reopened:
            state = self.state(n)
            state.completed_at = state.completed_by = None
        self.history.append({"at": iso(now), "action": "reopened", "step": number,
                             "steps": reopened, "by": by, "reason": reason.strip()})
        return reopened

    def set_due(self, number: int, due_on, *, by: str, now: datetime) -> None:
        self._check_number(number)
        if self.state(number).completed:
            raise Conflict(f"{step_label(number, start=True)} is complete; due dates are for "
                           "steps still to do.", fields={"step": "already complete"})
        if due_on is not None:
            try:
                due_on = date.fromisoformat(due_on).isoformat()
            except (TypeError, ValueError):
                raise ValidationFailed({"due_on": "must be a date such as 2026-03-31, or null"}) \
                    from None
        self.state(number).due_on = due_on
        self.history.append({"at": iso(now), "action": "due_set", "step": number, "by": by,
                             "due_on": due_on})

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _check_number(number: int) -> None:
        if not 1 <= number <= STEP_COUNT:
            raise NotFound(f"There is no step {number}; the steps are 1 to {STEP_COUNT}.")

    def _with_session_ids(self, sessions: list[dict]) -> list[dict]:
        """Keeps the ids of sessions that existed (registrations refer to them) and gives new
        sessions ids never used in this project before."""
        previous = {s["id"] for s in self.state(2).outputs.get("sessions", [])}
        errors, seen = {}, set()
        for index, session in enumerate(sessions):
            given = session.get("id")
            if not given:
                continue
            if given not in previous:
                errors[f"sessions[{index}].id"] = "unknown session id; leave it empty for a " \
                                                  "new session"
            elif given in seen:
                errors[f"sessions[{index}].id"] = "the same session is listed twice"
            seen.add(given)
        if errors:
            raise ValidationFailed(errors)
        taken = previous | {s["id"] for h in self.history
                            if h["action"] == "completed" and h["step"] == 2
                            for s in h["outputs"].get("sessions", [])}
        next_number = 1
        for session in sessions:
            if not session.get("id"):
                while f"s{next_number}" in taken:
                    next_number += 1
                session["id"] = f"s{next_number}"
                taken.add(session["id"])
        return sessions

    def _record_completion(self, number: int, now: datetime) -> None:
        data = {
            "project_id": self.id, "unit": self.unit, "step": number,
            "step_name": step(number).key, "areas": self.areas, "methods": self.methods,
            "participant_count": self.outputs(number).get("participant_count"),
            "completed_at": iso(now), "revision": self.state(number).revision,
            "late": self._late(number, now),
        }
        if self.topic:
            data["topic"] = self.topic
        invitation = self.outputs(3)
        if invitation:
            data.update(plain_language=invitation["plain_language"],
                        languages=invitation["languages"],
                        special_groups=invitation.get("special_groups", []))
        if number >= 4 and self.outputs(4):
            run = self.outputs(4)
            data["input_counts"] = {"feedback": run["feedback_count"],
                                    "statements": run["statement_count"],
                                    "survey_answers": run["survey_answer_count"]}
        self.events.append(("ProjectStepCompleted", data))
        if number == 5:
            results = self.outputs(5)
            self.events.append(("ResultsPublished", {
                "project_id": self.id, "unit": self.unit, "title": self.title,
                "areas": self.areas, "summary": results["results_summary"],
                "plain_language_summary": results["plain_language_summary"],
                "results_url": results.get("results_url"), "published_at": iso(now),
            }))
        if number == 7:
            impact = self.outputs(7)
            self.events.append(("ImpactCommunicated", {
                "project_id": self.id, "unit": self.unit, "title": self.title,
                "areas": self.areas, "impact_statement": impact["impact_statement"],
                "plain_language_statement": impact["plain_language_statement"],
                "participant_count": impact["participant_count"], "communicated_at": iso(now),
            }))

    def _late(self, number: int, now: datetime) -> bool:
        due = self.state(number).due_on
        return bool(due) and local_date(now) > date.fromisoformat(due)


def _with_inputs(outputs: dict, linked_feedback: Iterable[str]) -> dict:
    """Feedback sent for the project is linked automatically; counts default to the ids."""
    outputs["feedback_ids"] = sorted(set(outputs.get("feedback_ids", [])) | set(linked_feedback))
    for kind in ("feedback", "statement", "survey_answer"):
        ids = outputs.get(f"{kind}_ids", [])
        outputs[f"{kind}_count"] = max(outputs.get(f"{kind}_count", 0), len(ids))
    outputs["participant_count"] = sum(s["participant_count"] for s in outputs["sessions_held"])
    return outputs


# -- creating a project ----------------------------------------------------------------------
def _text(payload: dict, name: str, limit: int, errors: dict, required: bool) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be text"
    elif len(value.strip()) > limit:
        errors[name] = f"must be at most {limit} characters"
    else:
        return value.strip()
    return None


def _date(payload: dict, name: str, errors: dict) -> str | None:
    value = payload.get(name)
    if value in (None, ""):
        errors[name] = "is required (a date such as 2026-03-31)"
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        errors[name] = "must be a date such as 2026-03-31"
        return None


def _due_dates(value, errors: dict) -> dict[int, str]:
    if value in (None, {}):
        return {}
    due = {}
    if not isinstance(value, dict):
        errors["due_dates"] = "must map step numbers (1-7) to dates"
        return due
    for key, when in value.items():
        if str(key) not in {str(n) for n in range(1, STEP_COUNT + 1)}:
            errors[f"due_dates.{key}"] = "unknown step; the steps are 1 to 7"
            continue
        if when in (None, ""):
            continue
        try:
            due[int(key)] = date.fromisoformat(when).isoformat()
        except (TypeError, ValueError):
            errors[f"due_dates.{key}"] = "must be a date such as 2026-03-31"
    return due


def create(payload, *, now: datetime, by: str, default_unit: str | None) -> Project:
    """A new project at step 1. Every invalid field gets its own reason."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    title = _text(payload, "title", 200, errors, required=True)
    unit = payload.get("unit") or default_unit
    if not isinstance(unit, str) or not UNIT_PATTERN.match(unit):
        errors["unit"] = "is required: the owning unit's code, such as urban-environment"
    responsible = _text(payload, "responsible", 120, errors, required=False) or by
    responsible_name = _text(payload, "responsible_name", 120, errors, required=False)
    topic = _text(payload, "topic", 100, errors, required=False)
    areas = payload.get("areas")
    if not isinstance(areas, list) or not areas or \
            not all(isinstance(a, str) and a in AREAS for a in areas):
        errors["areas"] = f"is required: one or more of {', '.join(AREAS)}"
    starts_on, ends_on = _date(payload, "starts_on", errors), _date(payload, "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "must not be before starts_on"
    due = _due_dates(payload.get("due_dates"), errors)
    for name in sorted(set(payload) - set(CREATE_FIELDS)):
        errors[name] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    project = Project(
        id=str(uuid.uuid4()), title=title, unit=unit, responsible=responsible,
        responsible_name=responsible_name, topic=topic,
        areas=[a for a in AREAS if a in areas], starts_on=starts_on, ends_on=ends_on,
        created_at=now, created_by=by,
    )
    for number, when in due.items():
        project.state(number).due_on = when
    project.history.append({"at": iso(now), "action": "created", "by": by})
    return project
