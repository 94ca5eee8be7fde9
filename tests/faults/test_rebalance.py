"""6. The evaluation consumer group rebalances under load: a second member joins, then the
first is SIGKILLed and its partitions move over after its session expires. Nothing is lost
and nothing is counted twice; the committed offsets reach the end."""

import time
import uuid

from services.common.topology import FEEDBACK_TOPIC
from tests.faults.load import SteadyLoad, tally
from tests.faults.observe import (
    facts_per_subject,
    group_members,
    metric,
    wait_for_zero_lag,
    wait_until,
    wait_until_applied,
)

RATE = 10  # submissions per second


def feedback_partitions() -> list[list[str]]:
    """Which kuultu.feedback partitions each member holds (members without any left out)."""
    held = [[p for p in m["partitions"] if p.startswith("feedback-")] for m in group_members()]
    return sorted(sorted(h) for h in held if h)


def test_a_rebalance_under_load_loses_nothing_and_doubles_nothing(platform, figures):
    platform.start("feedback", "evaluation", "gateway")
    wait_until(lambda: feedback_partitions() == [["feedback-0", "feedback-1", "feedback-2"]],
               timeout=60, what="one member holding every partition")
    marker = f"rebalance-{uuid.uuid4().hex[:8]}"
    load = SteadyLoad(platform.gateway, RATE, marker).start()
    time.sleep(5)

    platform.start("evaluation#2")
    joined = wait_until(lambda: len(feedback_partitions()) == 2 and feedback_partitions(),
                        timeout=60, what="the partitions shared by two members")
    time.sleep(5)
    handled_by_first = metric(platform.url("evaluation"), "kuultu_events_consumed_total",
                              topic=FEEDBACK_TOPIC, outcome="applied")
    killed_at = time.monotonic()
    platform.kill("evaluation")
    # The dead member keeps its partitions until its session expires; then they move over.
    wait_until(lambda: feedback_partitions() == [["feedback-0", "feedback-1", "feedback-2"]],
               timeout=120, interval=1.0, what="the survivor holding every partition")
    taken_over_after = time.monotonic() - killed_at
    time.sleep(5)
    submissions = load.stop()

    accepted = {s.feedback_id for s in submissions if s.status == 201}
    applied_seconds = wait_until_applied(submissions, marker)
    lag_seconds = wait_for_zero_lag()
    counts = facts_per_subject(accepted)
    handled_by_second = metric(platform.url("evaluation#2"), "kuultu_events_consumed_total",
                               topic=FEEDBACK_TOPIC, outcome="applied")
    figures(submitted=len(submissions), answers=tally(submissions),
            assignment_with_two_members=joined,
            handled_by_first_before_kill=int(handled_by_first),
            handled_by_second=int(handled_by_second),
            partitions_taken_over_after_s=round(taken_over_after, 1),
            all_applied_after_load_s=round(applied_seconds, 1),
            lag_zero_after_s=round(lag_seconds, 1), facts=sum(counts.values()),
            counted_twice=sum(1 for n in counts.values() if n != 1))

    assert tally(submissions) == {"201": len(submissions)}
    # Both members did part of the work, and the survivor took over the dead one's share.
    assert handled_by_first > 0 and handled_by_second > 0
    # Every accepted submission is one fact: none lost, none doubled.
    assert set(counts) == accepted
    assert all(n == 1 for n in counts.values())
