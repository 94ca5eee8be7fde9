"""Reminders: a step that waited past its due date is flagged once to the responsible staff
member. Run by the service's timer; the staff API also shows such projects as overdue."""

from datetime import datetime

import pymongo.errors
import structlog
from mongoengine.errors import NotUniqueError

from services.common.consuming import TRANSIENT_ERRORS
from services.projects.documents import ProjectDocument, ReminderDocument
from services.projects.domain import local_date
from services.projects.steps import STEP_COUNT

log = structlog.get_logger(__name__)


def flag_overdue(now: datetime) -> list[ReminderDocument]:
    """Flags every project whose current step is past its due date, once per step and due
    date (the reminder's id says which), and returns the new flags."""
    today = local_date(now).isoformat()
    flagged = []
    waiting = ProjectDocument.objects(current_due_on__lt=today,
                                      current_step__lte=STEP_COUNT).only(
        "id", "title", "unit", "responsible", "current_step", "current_due_on")
    for project in waiting:
        reminder = ReminderDocument(
            id=f"{project.id}:{project.current_step}:{project.current_due_on}",
            project_id=project.id, title=project.title, unit=project.unit,
            responsible=project.responsible, step=project.current_step,
            due_on=project.current_due_on, flagged_at=now)
        try:
            reminder.save(force_insert=True)
        except (NotUniqueError, pymongo.errors.DuplicateKeyError):
            continue  # flagged on an earlier run
        log.info("step_overdue_flagged", project_id=project.id, step=project.current_step,
                 due_on=project.current_due_on, responsible=project.responsible)
        flagged.append(reminder)
    return flagged


def tick(now: datetime) -> None:
    """The timer's work: a database that is away is logged and tried again next time."""
    try:
        flag_overdue(now)
    except TRANSIENT_ERRORS as exc:
        log.warning("overdue_check_postponed", error=repr(exc))
