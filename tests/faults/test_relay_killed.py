"""5. The outbox relay is killed (SIGKILL) after Kafka acknowledged a pass's events and before
they were marked sent: they stay in the outbox, the feedback service publishes them again,
each is on the topic twice with the same event id, and the projection still counts each
once."""

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from services.common.topology import FEEDBACK_TOPIC
from tests.faults.observe import (
    facts_per_subject,
    metric,
    read_topic,
    still_in_outbox,
    wait_for_zero_lag,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
ITEMS = 3


def test_an_event_published_before_a_relay_crash_is_sent_again_and_counted_once(
        platform, figures):
    platform.start("evaluation")  # the feedback service starts later: its relay would win
    wait_for_zero_lag()
    child = subprocess.run([sys.executable, "-m", "tests.faults.crashing_relay", str(ITEMS)],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    ids = child.stdout.split()
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert len(ids) == ITEMS
    keys = {i.encode() for i in ids}

    # Killed in the window: Kafka holds the pass's events (one publish for all of them),
    # and no outbox was marked sent.
    before = read_topic(FEEDBACK_TOPIC, keys, until=lambda rs: len(rs) >= ITEMS)
    assert sorted(r.key.decode() for r in before) == sorted(ids)
    assert still_in_outbox(ids) == ITEMS
    wait_until(lambda: facts_per_subject(ids) == {i: 1 for i in ids}, timeout=60,
               what="the first copies applied")

    platform.start("feedback")  # its relay's first (recovery) pass finds the pending events
    wait_until(lambda: still_in_outbox(ids) == 0, timeout=90, what="the outbox emptied")
    records = read_topic(FEEDBACK_TOPIC, keys, until=lambda rs: len(rs) >= 2 * ITEMS)
    wait_for_zero_lag()
    copies = Counter(r.key.decode() for r in records)
    event_ids = {r.key.decode(): {json.loads(x.value)["id"] for x in records if x.key == r.key}
                 for r in records}
    facts = facts_per_subject(ids)
    handled = metric(platform.url("evaluation"), "kuultu_events_consumed_total",
                     topic=FEEDBACK_TOPIC, outcome="applied")
    figures(items=ITEMS, copies_on_topic=dict(sorted(copies.items())),
            event_ids_per_item={k: len(v) for k, v in sorted(event_ids.items())},
            handled_by_evaluation=int(handled), facts=dict(sorted(facts.items())))

    # Published again, each as the same event.
    assert copies == {i: 2 for i in ids}
    assert all(len(event_ids[i]) == 1 for i in ids)
    # The consumer handled both copies, and the projection counts each item once.
    assert handled >= 2 * ITEMS
    assert facts == {i: 1 for i in ids}
