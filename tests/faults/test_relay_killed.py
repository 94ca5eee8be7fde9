"""5. The outbox relay is killed (SIGKILL) after Kafka acknowledged an event and before it was
marked sent: the event stays in the outbox, the feedback service publishes it again, it is on
the topic twice with the same event id, and the projection still counts it once."""

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

    # Killed in the window: Kafka holds the first item's event, no outbox was marked sent.
    before = read_topic(FEEDBACK_TOPIC, keys, until=lambda rs: len(rs) >= 1)
    assert len(before) == 1
    crashed = before[0].key.decode()
    assert still_in_outbox(ids) == ITEMS
    wait_until(lambda: facts_per_subject([crashed]) == {crashed: 1}, timeout=60,
               what="the first copy applied")

    platform.start("feedback")  # its relay's first pass finds the pending events
    wait_until(lambda: still_in_outbox(ids) == 0, timeout=90, what="the outbox emptied")
    records = read_topic(FEEDBACK_TOPIC, keys, until=lambda rs: len(rs) >= ITEMS + 1)
    wait_for_zero_lag()
    copies = Counter(r.key.decode() for r in records)
    event_ids = {json.loads(r.value)["id"] for r in records if r.key.decode() == crashed}
    facts = facts_per_subject(ids)
    handled = metric(platform.url("evaluation"), "kuultu_events_consumed_total",
                     topic=FEEDBACK_TOPIC, outcome="applied")
    figures(items=ITEMS, copies_on_topic=dict(sorted(copies.items())),
            event_ids_of_the_twice_published=len(event_ids), handled_by_evaluation=int(handled),
            facts=dict(sorted(facts.items())))

    # Published again, as the same event; the other items once.
    assert copies[crashed] == 2 and len(event_ids) == 1
    assert all(copies[i] == 1 for i in ids if i != crashed)
    # The consumer handled both copies, and the projection counts each item once.
    assert handled >= ITEMS + 1
    assert facts == {i: 1 for i in ids}
