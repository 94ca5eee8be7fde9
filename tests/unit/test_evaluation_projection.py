"""The projection on the embedded store: facts recorded once, figures read per period, unit,
area and project, and a rebuild by replay that equals the live projection, is never seen
half-built, and leaves the projection as it was when it fails."""

import mongoengine
import pytest

from services.common.consuming import OutgoingMessage
from services.common.envelope import encode
from services.common.errors import Conflict
from services.common.inprocess_bus import InProcessBus
from services.common.topology import DOMAIN_TOPICS, FEEDBACK_TOPIC, PROJECTS_TOPIC
from services.evaluation import generations, projection, rebuild
from services.evaluation.computations import Filters
from services.evaluation.documents import RebuildRun
from services.evaluation.radar import compute_radar
from services.evaluation.replay import BusReplay
from tests.unit.test_evaluation_events import (
    event,
    feedback_answered,
    feedback_received,
    impact_communicated,
    message_delivered,
    participant_joined,
    participation_rated,
    pid,
    plan_saved,
    step_completed,
    uid,
)


def message(e) -> OutgoingMessage:
    encoded = encode(e)
    return OutgoingMessage(encoded.key.encode(), encoded.value, list(encoded.headers.items()))


def history():
    project, anna = uid(), pid()
    feedback = uid()
    return [
        (FEEDBACK_TOPIC, feedback_received(kind="praise", unit="culture", feedback_id=feedback)),
        (FEEDBACK_TOPIC, feedback_received(kind="complaint", area="itainen")),
        (FEEDBACK_TOPIC, feedback_answered(feedback, unit="culture", first_answer=True,
                                           on_time=True)),
        (PROJECTS_TOPIC, step_completed(project, 2, unit="culture", methods=["workshop", "jury"])),
        (PROJECTS_TOPIC, step_completed(project, 4, unit="culture")),
        (PROJECTS_TOPIC, step_completed(project, 7, unit="culture", days=30)),
        (PROJECTS_TOPIC, impact_communicated(project, unit="culture", days=31)),
        (PROJECTS_TOPIC, participant_joined(project, anna)),
        (PROJECTS_TOPIC, participation_rated(project, 4)),
        (PROJECTS_TOPIC, plan_saved("culture", 2026)),
        ("kuultu.notifications", message_delivered(anna, project_id=project, days=32)),
    ]


def live(bus: InProcessBus, events) -> None:
    """What the live consumer does: the event is on its topic and recorded."""
    for topic, e in events:
        bus.publish(topic, [message(e)])
        projection.record(e)


def facts_of(generation: str) -> list[dict]:
    return sorted(generations.collection(generation).find(), key=lambda f: f["_id"])


def test_an_event_is_recorded_once(embedded_store):
    e = feedback_received()
    assert projection.record(e) is True
    assert projection.record(e) is False
    assert projection.fact_count(generations.active()) == 1


def test_the_summary_counts_as_before(embedded_store):
    for _, e in history():
        projection.record(e)
    summary = projection.summary({"area": "keskusta"})
    assert summary["feedback_received"] == 1 and summary["feedback_by_kind"] == {"praise": 1}
    assert summary["project_steps_completed"] == {"2": 1, "4": 1, "7": 1}
    assert projection.summary({"month": "2026-03"})["feedback_answered"] == 1
    assert projection.summary({"unit": "nobody"})["feedback_received"] == 0


def test_figures_per_project(embedded_store):
    for _, e in history():
        projection.record(e)
    [row] = projection.project_figures(projection.fetcher(), Filters(period="2026-03"))
    assert row["unit"] == "culture" and row["steps_completed"] == [2, 4, 7]
    assert row["methods"] == ["jury", "workshop"] and row["participants"] == 1
    assert row["told_impact"] == 1 and row["impact_communicated"] is True
    assert (row["ratings"], row["rating_mean"]) == (1, 4.0)
    assert projection.project_figures(projection.fetcher(), Filters(unit="urban")) == []


def test_a_rebuild_by_replay_equals_the_live_projection(embedded_store):
    bus = InProcessBus()
    live(bus, history())
    bus.publish(FEEDBACK_TOPIC, [OutgoingMessage(b"k", b"{not json", [])])  # dead-lettered live
    evaluation_published = event("EvaluationPublished", {
        "evaluation_id": uid(), "indicator_set_version": "2026.1", "period": "2026",
        "scores": {"goals": 1, "culture": 2, "satisfaction": None, "methods": 0},
        "published_at": "2027-01-01T00:00:00Z"})
    bus.publish("kuultu.evaluation", [message(evaluation_published)])  # not read: ignored
    live_generation = generations.active()
    live_radar = projection.radar(Filters(period="2026"))
    live_facts = facts_of(live_generation)

    source = BusReplay(bus, list(DOMAIN_TOPICS), batch=4)
    progress = []
    run = rebuild.start(source, started_by="test")
    rebuild.run(run, source, on_progress=lambda r: progress.append((r.read, r.total)))

    assert run.status == "done" and generations.active() == run.generation != live_generation
    assert (run.total, run.read, run.invalid, run.ignored) == (13, 13, 1, 1)
    assert run.applied == run.facts == len(live_facts) == 11
    assert progress[0] == (0, 13) and progress[-1] == (13, 13)
    assert facts_of(run.generation) == live_facts
    assert projection.radar(Filters(period="2026")) == live_radar
    assert RebuildRun.objects(id=run.id).first().status == "done"


def test_events_handled_during_a_rebuild_reach_the_new_generation(embedded_store):
    bus = InProcessBus()
    live(bus, history()[:5])
    source = BusReplay(bus, list(DOMAIN_TOPICS))
    run = rebuild.start(source, started_by="test")
    late = feedback_received(kind="idea")

    def live_consumer_goes_on(progress):
        if progress.read == 0 and progress.status == "running":  # the end offsets are taken
            assert generations.targets() == ["facts", run.generation]
            live(bus, [(FEEDBACK_TOPIC, late)])

    rebuild.run(run, source, on_progress=live_consumer_goes_on)
    assert run.read == 5  # up to the end offsets only
    ids = {f["_id"] for f in facts_of(run.generation)}
    assert late.id in ids and ids == {f["_id"] for f in facts_of("facts")}
    assert generations.targets() == [run.generation]


class Failing(BusReplay):
    def batches(self):
        yield from super().batches()
        raise ConnectionError("broker went away")


def test_a_failed_rebuild_leaves_the_projection_as_it_was(embedded_store):
    bus = InProcessBus()
    live(bus, history())
    before = projection.radar(Filters())
    source = Failing(bus, list(DOMAIN_TOPICS), batch=3)
    run = rebuild.start(source, started_by="test")
    with pytest.raises(ConnectionError):
        rebuild.run(run, source)
    assert run.status == "failed" and "broker went away" in run.error
    assert generations.targets() == ["facts"]
    assert run.generation not in mongoengine.get_db("evaluation").list_collection_names()
    assert projection.radar(Filters()) == before


class Truncated(BusReplay):
    def open(self):
        total = super().open()
        self.truncated = ["kuultu.feedback[0] starts at offset 12"]
        return total


def test_a_rebuild_refuses_to_lose_events_deleted_by_retention(embedded_store):
    bus = InProcessBus()
    live(bus, history())
    source = Truncated(bus, list(DOMAIN_TOPICS))
    run = rebuild.start(source, started_by="test")
    with pytest.raises(rebuild.RebuildRefused, match="starts at offset 12"):
        rebuild.run(run, source)
    assert generations.active() == "facts"
    source = Truncated(bus, list(DOMAIN_TOPICS))
    run = rebuild.start(source, started_by="test")
    rebuild.run(run, source, allow_truncated=True)
    assert generations.active() == run.generation


def test_one_rebuild_at_a_time_unless_taking_over(embedded_store):
    bus = InProcessBus()
    live(bus, history())
    stuck = rebuild.start(BusReplay(bus, list(DOMAIN_TOPICS)), started_by="crashed")
    with pytest.raises(Conflict):
        rebuild.start(BusReplay(bus, list(DOMAIN_TOPICS)), started_by="test")
    source = BusReplay(bus, list(DOMAIN_TOPICS))
    run = rebuild.start(source, started_by="test", take_over=True)
    assert RebuildRun.objects(id=stuck.id).first().status == "failed"
    rebuild.run(run, source)
    assert generations.active() == run.generation


def test_the_previous_generation_is_kept_until_the_next_rebuild(embedded_store):
    bus = InProcessBus()
    live(bus, history())
    names = []
    for _ in range(3):
        source = BusReplay(bus, list(DOMAIN_TOPICS))
        run = rebuild.start(source, started_by="test")
        rebuild.run(run, source)
        names.append(run.generation)
    existing = set(mongoengine.get_db("evaluation").list_collection_names())
    assert {names[1], names[2]} <= existing
    assert "facts" not in existing and names[0] not in existing


@pytest.mark.parametrize("filters", [Filters(period="2026"), Filters(), Filters(unit="culture"),
                                     Filters(period="2026-03", area="itainen")])
def test_the_radar_reads_its_facts_in_at_most_two_queries_and_the_same_figures(
        embedded_store, filters):
    live(InProcessBus(), history())

    class Counting(projection.FactReader):
        singles = batches = 0

        def __call__(self, name, period):
            Counting.singles += 1
            return super().__call__(name, period)

        def many(self, names, period):
            Counting.batches += 1
            return super().many(names, period)

    def one_type_at_a_time(name, period):  # a fetch without `many`: one query per type
        return projection.FactReader()(name, period)

    indicators = projection.indicator_set_for()
    batched = compute_radar(indicators, Counting(), filters)
    assert Counting.singles == 0 and Counting.batches <= 2
    assert batched == compute_radar(indicators, one_type_at_a_time, filters)
    assert any(row["value"] is not None
               for area in batched["areas"] for row in area["indicators"])
