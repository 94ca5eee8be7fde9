"""The retention run: the personal data of applicants who were not selected is removed once
it has been kept for the configured time (shorter for minors). Members keep theirs."""

import os
from collections.abc import Mapping

import structlog

from services.common.context import ServiceContext
from services.common.errors import Conflict
from services.tables import repository
from services.tables.applications import Application, Retention, purge_due
from services.tables.documents import ApplicationDocument, from_document

log = structlog.get_logger(__name__)
SETTINGS = {"days": "KUULTU_TABLES_RETENTION_DAYS",
            "minor_days": "KUULTU_TABLES_MINOR_RETENTION_DAYS"}


def retention_from(settings: Mapping) -> Retention:
    """From the service's config (nameko) or the environment (embedded default, CLI)."""
    values = {}
    for field, key in SETTINGS.items():
        raw = settings.get(key) or os.environ.get(key)
        if raw not in (None, ""):
            days = int(raw)
            if days < 1:
                raise ValueError(f"{key} must be at least 1 day")
            values[field] = days
    return Retention(**values)


def purge(ctx: ServiceContext, *, dry_run: bool = False) -> dict:
    now = ctx.clock()
    retention = retention_from(ctx.settings)
    calls, selections = {}, {}
    due, anonymised, skipped = 0, 0, 0
    for doc in ApplicationDocument.objects(status="submitted").order_by("submitted_at"):
        if doc.anonymised_at is not None:
            continue
        application = from_document(doc, Application)
        key = (application.call_id, application.body_id)
        if application.call_id not in calls:
            calls[application.call_id] = repository.call(application.call_id)
        if key not in selections:
            selections[key] = repository.selection(*key)[0]
        chosen = selections[key]
        if not purge_due(application, outcome=chosen.outcome(application.id) if chosen else None,
                         decided_at=chosen.decided_at if chosen else None,
                         term_end=chosen.term_end if chosen else None,
                         call=calls[application.call_id], now=now, retention=retention):
            continue
        due += 1
        if dry_run:
            continue
        application.anonymise(now)
        try:
            repository.store_anonymised(application, doc.version)
            anonymised += 1
        except Conflict:
            skipped += 1  # changed meanwhile: the next run takes it
    result = {"due": due, "anonymised": anonymised, "skipped": skipped, "dry_run": dry_run,
              "retention_days": retention.days, "minor_retention_days": retention.minor_days}
    log.info("tables_retention_run", **result)
    return result
