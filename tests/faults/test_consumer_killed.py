"""2. The evaluation consumer is SIGKILLed in the middle of its work and started again: the
events it had applied but not yet committed are delivered again (the fault fired), the
projection stays exact (each event one fact), and the committed offsets reach the end."""

import time
import uuid

from services.common.topology import FEEDBACK_TOPIC
from tests.faults.observe import (
    as_record,
    committed_offsets,
    end_offsets,
    facts_in_district,
    facts_with_ids,
    feedback_events,
    metric,
    produce,
    wait_for_zero_lag,
    wait_until,
)

EVENTS = 1500


def uncommitted_of_ours(starts: dict) -> int:
    """How many of the events produced after `starts` the group has committed."""
    committed = committed_offsets(topics=[FEEDBACK_TOPIC])
    return sum(max(0, committed.get(tp, 0) - start) for tp, start in starts.items())


def test_redelivered_events_after_a_consumer_kill_are_applied_once(platform, figures):
    platform.start("evaluation")
    district = f"consumer-kill-{uuid.uuid4().hex[:8]}"
    events = feedback_events(EVENTS, district)
    wait_for_zero_lag()  # whatever came before this test is committed
    starts = end_offsets([FEEDBACK_TOPIC])
    produced_at = time.monotonic()
    produce([as_record(e) for e in events])

    # Kill it while it works through the batch: some applied, most still to come.
    wait_until(lambda: facts_in_district(district) >= EVENTS // 5, timeout=120, interval=0.2,
               what="a fifth of the events applied")
    platform.kill("evaluation")
    applied_at_kill = facts_in_district(district)
    committed_at_kill = uncommitted_of_ours(starts)
    rate = applied_at_kill / (time.monotonic() - produced_at)
    assert applied_at_kill < EVENTS, "the consumer finished before it was killed"
    # The fault fired: facts exist whose offsets were never committed, so they come again.
    pending_redelivery = applied_at_kill - committed_at_kill
    assert pending_redelivery > 0, (applied_at_kill, committed_at_kill)

    restarted = time.monotonic()
    platform.start("evaluation")
    wait_until(lambda: facts_in_district(district) >= EVENTS, timeout=180, interval=1.0,
               what="every event applied after the restart")
    lag_seconds = wait_for_zero_lag()
    recovery_seconds = time.monotonic() - restarted
    handled_after = metric(platform.url("evaluation"), "kuultu_events_consumed_total",
                           topic=FEEDBACK_TOPIC, outcome="applied")
    redelivered = handled_after - (EVENTS - applied_at_kill)
    present = facts_with_ids(e.id for e in events)
    figures(events=EVENTS, applied_before_kill=applied_at_kill,
            committed_before_kill=committed_at_kill,
            applied_not_committed=pending_redelivery,
            handled_after_restart=int(handled_after), redelivered_and_deduplicated=int(redelivered),
            consume_rate_per_s=round(rate), recovered_after_s=round(recovery_seconds, 1),
            lag_zero_after_s=round(lag_seconds, 1), facts=facts_in_district(district))

    # Every event is one fact: none lost, none counted twice.
    assert present == {e.id for e in events}
    assert facts_in_district(district) == EVENTS
    # The restarted member was handed the uncommitted events again and absorbed them.
    assert redelivered >= pending_redelivery
    # Committed to the end of every partition.
    committed = committed_offsets(topics=[FEEDBACK_TOPIC])
    assert all(committed.get(tp, 0) >= end for tp, end in end_offsets([FEEDBACK_TOPIC]).items())
