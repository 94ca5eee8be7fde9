"""3. The MongoDB-protocol server (FerretDB) is stopped for 30 s while residents submit
feedback and events wait on the topic: the gateway answers 503 with Retry-After (never a 201
that is later lost), the consumer pauses without committing, and once the database is back
every accepted submission and every waiting event is applied once and the lag returns to 0."""

import time
import uuid

from services.common.topology import FEEDBACK_TOPIC
from tests.faults.load import SteadyLoad, tally
from tests.faults.observe import (
    as_record,
    committed_offsets,
    districts_with_prefix,
    end_offsets,
    facts_per_subject,
    facts_with_ids,
    feedback_events,
    produce,
    wait_for_zero_lag,
    wait_until_applied,
)

RATE = 10  # submissions per second
OUTAGE = 30.0  # seconds the database is away
WAITING = 50  # events put on the topic while the database is away


def test_database_outage_refuses_with_retry_after_and_loses_nothing(
        platform, local_stack, figures):
    platform.start("feedback", "evaluation", "gateway")
    marker = f"ferret-{uuid.uuid4().hex[:8]}"
    load = SteadyLoad(platform.gateway, RATE, marker).start()
    time.sleep(6)
    stopped_at = load.elapsed()
    gone_at = stopped_at + local_stack.down("ferretdb")
    time.sleep(3)  # requests and handlers in flight at the stop have failed by now

    # Events arrive while the consumer cannot write: it must not commit past them.
    committed_before = committed_offsets(topics=[FEEDBACK_TOPIC])
    waiting = feedback_events(WAITING, f"ferret-waiting-{uuid.uuid4().hex[:8]}")
    produce([as_record(e) for e in waiting])
    commits_seen = {tuple(sorted(committed_before.items()))}
    while load.elapsed() < stopped_at + OUTAGE:
        commits_seen.add(tuple(sorted(committed_offsets(topics=[FEEDBACK_TOPIC]).items())))
        time.sleep(2)
    ends_during = end_offsets([FEEDBACK_TOPIC])
    lag_during = sum(end - committed_before.get(tp, 0) for tp, end in ends_during.items())

    back_at = load.elapsed()  # it cannot answer before this
    local_stack.up("ferretdb")
    time.sleep(10)
    submissions = load.stop()

    accepted = {s.feedback_id for s in submissions if s.status == 201}
    refused = [s for s in submissions if s.status != 201]
    # Sent and answered while the database was away; 201s answered then would be impossible.
    in_outage = [s for s in submissions if gone_at <= s.sent_at and s.answered_at <= back_at]
    accepted_in_outage = [s for s in submissions
                          if s.status == 201 and gone_at < s.answered_at < back_at]
    applied_seconds = wait_until_applied(submissions, marker)
    lag_seconds = wait_for_zero_lag(timeout=180)
    counts = facts_per_subject(accepted)
    waiting_applied = facts_with_ids(e.id for e in waiting)
    # Refusals that were stored all the same (had the service gone on with a request the
    # gateway had given up on): not lost, but the resident's retry would be a second item.
    stored_refused = districts_with_prefix(marker + "-") & {s.district for s in refused}
    figures(submitted=len(submissions), answers=tally(submissions),
            refused_with_retry_after=sum(1 for s in refused if s.retry_after),
            sent_and_answered_in_outage=len(in_outage),
            accepted_in_outage=len(accepted_in_outage),
            slowest_answer_s=round(max(s.seconds for s in submissions), 1),
            committed_offset_states_during_outage=len(commits_seen),
            lag_during_outage=lag_during, all_applied_after_load_s=round(applied_seconds, 1),
            lag_zero_after_s=round(lag_seconds, 1), waiting_events_applied=len(waiting_applied),
            counted_twice=sum(1 for n in counts.values() if n != 1),
            refused_but_stored=len(stored_refused),
            refused_but_stored_answer_s=sorted({round(s.seconds) for s in refused
                                                 if s.district in stored_refused}))

    # Refused while the database was away, always as 503 with Retry-After; the fault fired.
    assert {s.status for s in refused} <= {503}, tally(submissions)
    assert all(s.retry_after for s in refused)
    assert in_outage and all(s.status == 503 for s in in_outage)
    assert not accepted_in_outage
    # A refusal means nothing was stored: a resident's retry never makes a second item.
    assert not stored_refused
    # Every 201 is in the projection once after recovery: no accepted submission was lost.
    assert set(counts) == accepted and all(n == 1 for n in counts.values())
    # The consumer paused without committing while it could not apply the waiting events,
    assert commits_seen == {tuple(sorted(committed_before.items()))}
    assert lag_during >= WAITING
    # and applied each of them once the database was back, committing to the end.
    assert waiting_applied == {e.id for e in waiting}
