"""Rebuilding the projection by replaying the topics from the beginning.

Each record goes through the same validation as on the live path (`decode`: the CloudEvents
envelope and the event's schema) and the same mapping to a fact (`fact_from_event`); records
the schemas refuse are skipped and counted (the live consumer dead-lettered them). Facts are
written in batches into a new generation, which is switched in only when the replay reached
the end offsets taken at its start; until then readers see the old one, whole."""

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import structlog

from services.common.consuming import TRANSIENT_ERRORS, Backoff
from services.common.envelope import decode, utcnow
from services.common.errors import DomainError, InvalidEvent
from services.evaluation import generations, projection
from services.evaluation.documents import RebuildRun
from services.evaluation.facts import READ_EVENTS, fact_from_event

log = structlog.get_logger(__name__)
STALE_AFTER_SECONDS = 600  # a running rebuild not heard from for this long has died


class RebuildRefused(DomainError):
    status = 409
    code = "rebuild_refused"


def start(source, *, started_by: str, take_over: bool = False) -> RebuildRun:
    """Registers the new generation and the run; raises Conflict if a rebuild is running."""
    run_id = uuid.uuid4().hex[:12]
    generation = f"facts_{utcnow():%Y%m%d%H%M%S}_{run_id}"
    abandoned = generations.begin(generation, run_id, take_over=take_over)
    if abandoned:
        RebuildRun.objects(generation=abandoned, status="running").update(
            set__status="failed", set__error="taken over by a new rebuild",
            set__finished_at=utcnow())
    now = utcnow()
    run = RebuildRun(id=run_id, status="running", source=source.name, generation=generation,
                     started_by=started_by, started_at=now, updated_at=now)
    run.save(force_insert=True)
    return run


def run(run: RebuildRun, source, *, allow_truncated: bool = False,
        on_progress: Callable[[RebuildRun], None] | None = None,
        backoff: Backoff | None = None) -> RebuildRun:
    """Replays `source` into the run's generation and switches it in. On any failure the
    half-built generation is dropped and the active one stays as it was."""
    backoff = backoff or Backoff(initial=0.5, maximum=10.0)
    try:
        run.total = source.open()
        if source.truncated and not allow_truncated:
            raise RebuildRefused(
                "Some topics no longer hold their oldest events, so a rebuild would lose "
                "them: " + "; ".join(source.truncated) + ". Rebuild anyway only if that is "
                "intended (allow_truncated).")
        _progress(run, on_progress)
        # One batch is written while the next is read and validated: the database's time
        # and ours overlap instead of adding up.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-writer") as writer:
            writing = None
            for batch in source.batches():
                facts = _facts(batch, run)
                if writing is not None:
                    run.applied += writing.result()
                writing = writer.submit(_write, run.generation, facts, backoff)
                _progress(run, on_progress)
            if writing is not None:
                run.applied += writing.result()
        generations.switch(run.generation)
        run.facts = projection.fact_count(run.generation)
        run.status = "done"
    except BaseException as exc:
        run.status = "failed"
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        log.error("rebuild_failed", rebuild=run.id, error=run.error)
        try:
            generations.abandon(run.generation)
        except Exception as cleanup:  # the database may be what failed: take over later
            log.error("rebuild_cleanup_failed", rebuild=run.id, error=repr(cleanup))
        raise
    finally:
        run.finished_at = utcnow()
        _progress(run, on_progress)
        source.close()
    log.info("rebuild_done", rebuild=run.id, generation=run.generation, read=run.read,
             applied=run.applied, invalid=run.invalid, ignored=run.ignored)
    return run


def _facts(batch, run: RebuildRun) -> list[dict]:
    """Validates each record as the live consumer does and maps it to its fact."""
    facts = []
    for record in batch:
        try:
            event = decode(record.key, record.value, record.headers)
        except InvalidEvent:
            run.invalid += 1
            continue
        if event is None or event.name not in READ_EVENTS:
            run.ignored += 1
            continue
        facts.append(fact_from_event(event))
    run.read += len(batch)
    return facts


def _write(generation: str, facts: list[dict], backoff: Backoff, attempts: int = 8) -> int:
    """Inserts a batch, waiting out a database that is away for a while."""
    for attempt in range(1, attempts + 1):
        try:
            return generations.insert(generation, facts)
        except TRANSIENT_ERRORS as exc:
            if attempt == attempts:
                raise
            log.warning("rebuild_write_retry", attempt=attempt, error=repr(exc))
            time.sleep(backoff.delay(attempt))
    return 0  # not reached


def _progress(run: RebuildRun, on_progress) -> None:
    run.updated_at = utcnow()
    run.save()
    if on_progress is not None:
        on_progress(run)


def is_stale(run: RebuildRun) -> bool:
    updated = run.updated_at
    if updated.tzinfo is None:  # stored times are UTC; a store may return them naive
        updated = updated.replace(tzinfo=utcnow().tzinfo)
    return (run.status == "running"
            and (utcnow() - updated).total_seconds() > STALE_AFTER_SECONDS)
