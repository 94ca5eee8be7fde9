"""1. The Kafka broker is SIGKILLed and restarted while residents keep submitting feedback:
intake does not depend on the broker (the outbox holds the events), and every submission that
got a 201 appears exactly once in the evaluation projection afterwards."""

import time
import uuid

from tests.faults.load import SteadyLoad, tally
from tests.faults.observe import facts_per_subject, wait_for_zero_lag, wait_until_applied

RATE = 10  # submissions per second
BEFORE, AWAY, AFTER = 5.0, 5.0, 8.0  # seconds of load before the kill, broker away, after


def test_every_accepted_submission_is_counted_once_across_a_broker_kill(
        platform, local_stack, figures):
    platform.start("feedback", "evaluation", "gateway")
    marker = f"kafka-{uuid.uuid4().hex[:8]}"
    load = SteadyLoad(platform.gateway, RATE, marker).start()
    time.sleep(BEFORE)
    killed_at = load.elapsed()
    local_stack.kill("kafka")
    time.sleep(AWAY)
    restarted_at = load.elapsed()
    restart_seconds = local_stack.up("kafka")
    time.sleep(AFTER)
    submissions = load.stop()

    accepted = {s.feedback_id for s in submissions if s.status == 201}
    during = [s for s in submissions if killed_at <= s.sent_at <= restarted_at + restart_seconds]
    applied_seconds = wait_until_applied(submissions, marker)
    lag_seconds = wait_for_zero_lag()
    counts = facts_per_subject(accepted)
    doubled = sorted(k for k, n in counts.items() if n != 1)
    figures(submitted=len(submissions), answers=tally(submissions),
            submitted_while_broker_away=len(during), broker_killed_at_s=round(killed_at, 1),
            broker_restart_s=round(restart_seconds, 1),
            all_applied_after_load_s=round(applied_seconds, 1),
            lag_zero_after_s=round(lag_seconds, 1), facts=sum(counts.values()),
            counted_twice=len(doubled))

    # Intake never depends on the broker: every submission was accepted, even while it was away.
    assert tally(submissions) == {"201": len(submissions)}
    assert len(during) >= RATE * AWAY * 0.8
    assert len(accepted) == len(submissions)
    # Each accepted submission is one fact, none doubled.
    assert set(counts) == accepted
    assert not doubled, doubled[:5]
    assert sum(counts.values()) == len(accepted)
