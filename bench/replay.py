"""Replay speed of the evaluation rebuild, against the raw consumer speed on the same events
measured in the same run (target: at least 1,000 events/s).

    .venv/bin/python bench/replay.py [--events 20000] [--rounds 3]

With KUULTU_KAFKA_BOOTSTRAP and KUULTU_MONGO_URI set it runs on that real stack: the events go
to topics of their own (bench.replay.<run>.*, deleted afterwards) and the facts to a database
of its own (dropped afterwards). Without them it runs embedded: the in-process bus and the
in-memory store of `kuultu run`.

Three figures per round, each over the same events: the raw consumer (records read, nothing
else), the consumer with the CloudEvents and schema validation the rebuild does, and the whole
rebuild (validation, facts written in batches, the generation switched in). The ratio is the
rebuild against the raw consumer (embedded, the "raw consumer" is a read of an in-memory
list, so the ratio against the validating consumer says more); the median of the rounds is
reported.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import psutil

from services.common import store
from services.common.config import KafkaSettings, mongo_uri
from services.common.consuming import OutgoingMessage
from services.common.envelope import decode, encode, iso, new_event
from services.common.inprocess_bus import InProcessBus
from services.evaluation import projection, rebuild
from services.evaluation.replay import BusReplay, KafkaReplay

TARGET = 1000.0  # events per second
START = datetime(2026, 1, 1, tzinfo=UTC)
AREAS = ("keskusta", "itainen", "etelainen", "pohjoinen")
UNITS = ("urban-environment", "culture", "education", "wellbeing")


def _events(count: int, seed: int = 7):
    """A plausible mix: mostly feedback, then project steps, participants and messages."""
    rng = random.Random(seed)
    projects = [str(uuid.uuid4()) for _ in range(max(1, count // 200))]
    people = ["p-" + uuid.uuid4().hex for _ in range(max(1, count // 20))]
    for n in range(count):
        when = iso(START + timedelta(minutes=37 * n))
        project, unit, area = rng.choice(projects), rng.choice(UNITS), rng.choice(AREAS)
        roll = rng.random()
        if roll < 0.4:
            name, topic, data = "FeedbackReceived", "feedback", {
                "feedback_id": str(uuid.uuid4()), "channel": "omalahti", "area": area,
                "kind": rng.choice(("idea", "praise", "complaint", "question")),
                "unit": unit, "language": "fi", "received_at": when}
        elif roll < 0.55:
            name, topic, data = "FeedbackAnswered", "feedback", {
                "feedback_id": str(uuid.uuid4()), "kind": "idea", "area": area, "unit": unit,
                "language": "fi", "public": rng.random() < 0.6,
                "received_at": iso(START + timedelta(minutes=37 * n - 4000)),
                "answered_at": when}
        elif roll < 0.7:
            step = rng.randint(1, 7)
            name, topic, data = "ProjectStepCompleted", "projects", {
                "project_id": project, "unit": unit, "step": step, "areas": [area],
                "step_name": ("clarify_goal", "choose_method", "invite", "run",
                              "communicate_results", "decide", "communicate_impact")[step - 1],
                "methods": rng.sample(["workshop", "map_survey", "jury", "omalahti"], 2),
                "completed_at": when}
        elif roll < 0.8:
            name, topic, data = "ParticipantJoined", "projects", {
                "project_id": project, "participant_id": rng.choice(people), "via": "session",
                "joined_at": when}
        elif roll < 0.9:
            name, topic, data = "MessageDelivered", "notifications", {
                "message_id": str(uuid.uuid4()), "trigger": "ImpactCommunicated",
                "trigger_event_id": str(uuid.uuid4()), "participant_id": rng.choice(people),
                "channel": "email", "language": "fi", "plain_language": False,
                "project_id": project, "delivered_at": when}
        else:
            name, topic, data = "ApplicationSubmitted", "tables", {
                "application_id": str(uuid.uuid4()), "call_id": str(uuid.uuid4()),
                "body_id": "table-keskusta", "area": area, "represents": "resident",
                "age_band": rng.choice(("13-17", "18-29", "30-44", "45-64", "65-74", "75+")),
                "language": "fi", "submitted_at": when}
        event = new_event(name, data, service="bench", subject=str(uuid.uuid4()),
                          correlation_id="bench")
        message = encode(event)
        yield topic, OutgoingMessage(message.key.encode(), message.value,
                                     list(message.headers.items()))


class Embedded:
    name = "embedded (in-process bus, in-memory store)"

    def __init__(self, count: int):
        self.bus = InProcessBus()
        self.topics = [f"bench.{t}" for t in ("feedback", "projects", "notifications",
                                              "tables")]
        for topic, message in _events(count):
            self.bus.publish(f"bench.{topic}", [message])
        store.disconnect("evaluation")
        store.connect_embedded("evaluation")

    def raw(self) -> int:
        read = 0
        for topic in self.topics:
            end = self.bus.end_offset(topic)
            for offset in range(0, end, 1000):
                read += len(self.bus.read(topic, offset, 1000))
        return read

    def validated(self) -> int:
        source = self.source()
        source.open()
        return sum(decode(r.key, r.value, r.headers) is not None
                   for batch in source.batches() for r in batch)

    def source(self):
        return BusReplay(self.bus, self.topics)

    def close(self) -> None:
        store.disconnect("evaluation")


class RealStack:
    def __init__(self, count: int):
        from kafka import KafkaAdminClient

        from services.common.kafka_bus import KafkaPublisher, ensure_topics

        self.settings = KafkaSettings.from_mapping(os.environ)
        self.name = f"real stack (Kafka {self.settings.bootstrap}, {mongo_uri()})"
        run = uuid.uuid4().hex[:8]
        self.topics = [f"bench.replay.{run}.{t}"
                       for t in ("feedback", "projects", "notifications", "tables")]
        ensure_topics(self.settings, self.topics, partitions=3)
        self.admin = KafkaAdminClient(**self.settings.client_config())
        publisher = KafkaPublisher(self.settings, client_id="bench-replay")
        batches: dict[str, list] = {}
        for topic, message in _events(count):
            batches.setdefault(f"bench.replay.{run}.{topic}", []).append(message)
        for topic, messages in batches.items():
            for start in range(0, len(messages), 5000):
                publisher.publish(topic, messages[start:start + 5000])
        publisher.close()
        self.database = f"bench_replay_{run}"
        store.disconnect("evaluation")
        store.connect("evaluation", mongo_uri(), self.database)

    def raw(self) -> int:
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False,
                                 max_poll_records=1000, **self.settings.client_config())
        partitions = [TopicPartition(t, p) for t in self.topics
                      for p in consumer.partitions_for_topic(t)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        read = 0
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            read += sum(len(records) for records in consumer.poll(timeout_ms=1000).values())
        consumer.close(autocommit=False)
        return read

    def validated(self) -> int:
        source = self.source()
        source.open()
        try:
            return sum(decode(r.key, r.value, r.headers) is not None
                       for batch in source.batches() for r in batch)
        finally:
            source.close()

    def source(self):
        return KafkaReplay(self.settings, self.topics)

    def close(self) -> None:
        import mongoengine

        mongoengine.get_db("evaluation").client.drop_database(self.database)
        store.disconnect("evaluation")
        self.admin.delete_topics(self.topics + [f"{t}.dlq" for t in self.topics])
        self.admin.close()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    real = bool(os.environ.get("KUULTU_KAFKA_BOOTSTRAP") and os.environ.get("KUULTU_MONGO_URI"))
    process = psutil.Process()
    started = time.perf_counter()
    bench = RealStack(args.events) if real else Embedded(args.events)
    print(f"replay benchmark: {args.events} events, {args.rounds} rounds, {bench.name}")
    print(f"  events prepared and published in {time.perf_counter() - started:.1f}s")
    raw_rates, validated_rates, replay_rates = [], [], []
    try:
        for round_ in range(1, args.rounds + 1):
            read, seconds = timed(bench.raw)
            assert read == args.events, f"raw consumer read {read} of {args.events}"
            raw_rates.append(read / seconds)
            valid, seconds = timed(bench.validated)
            assert valid == args.events
            validated_rates.append(valid / seconds)
            source = bench.source()
            run, seconds = timed(lambda source=source: rebuild.run(
                rebuild.start(source, started_by="bench"), source))
            assert run.status == "done" and run.read == run.applied == args.events
            assert projection.fact_count(run.generation) == args.events
            replay_rates.append(run.read / seconds)
            print(f"  round {round_}: raw consumer {raw_rates[-1]:,.0f} events/s, "
                  f"with validation {validated_rates[-1]:,.0f} events/s, "
                  f"rebuild {replay_rates[-1]:,.0f} events/s")
    finally:
        bench.close()
    raw, validated, replay = (statistics.median(r) for r in
                              (raw_rates, validated_rates, replay_rates))
    print(f"raw consumer (baseline):       {raw:10,.0f} events/s")
    print(f"consumer + validation:         {validated:10,.0f} events/s")
    print(f"rebuild by replay:             {replay:10,.0f} events/s")
    print(f"ratio rebuild / raw consumer:  {replay / raw:10.3g}")
    print(f"ratio rebuild / validation:    {replay / validated:10.3g}")
    print(f"target {TARGET:,.0f} events/s:         {'met' if replay >= TARGET else 'NOT met'}")
    print(f"process CPU {sum(process.cpu_times()[:2]):.1f}s, "
          f"resident memory {process.memory_info().rss / 2**20:.0f} MiB")
    return 0 if replay >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
