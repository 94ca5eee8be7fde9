"""End to end: from a resident's POST through the gateway to the event applied in the
evaluation projection, p50 and p99 at 5/s and at 50/s (target: p99 under 1 s), and the CPU
seconds each process spends per 1,000 submissions.

    .venv/bin/python bench/e2e_latency.py [--seconds 30]

"Applied" is observed without touching the database under test: an observer reads each
event's partition and offset from kuultu.feedback, and the item counts as applied when the
evaluation group's committed offset has passed it (the consumer commits only after its
handler stored the fact), so the figure is conservative by the commit batching. The time to
Kafka (the outbox relay's share) is reported too. All five services and the gateway run as
their own processes on a fresh local stack; CPU per 1,000 comes from the 50/s run, with
each process's idle CPU over the same time subtracted."""

import argparse
import asyncio
import json
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition  # noqa: E402

from bench.harness import (  # noqa: E402
    REPO,
    Connection,
    cpu_seconds,
    local_stack,
    machine,
    percentile,
    platform,
    report,
    stack_processes,
)
from services.common.config import KafkaSettings  # noqa: E402
from services.common.topology import FEEDBACK_TOPIC, SERVICES  # noqa: E402

TARGET_P99 = 1.0
PROCESSES = ("feedback", "evaluation", "projects", "notifications", "tables", "gateway")


class Observer:
    """Where each submission's event landed on Kafka, and when the evaluation group's
    committed offsets passed it."""

    def __init__(self, settings: KafkaSettings):
        self.settings = settings
        self.placed: dict[str, tuple[int, int, float]] = {}  # feedback id -> partition, offset, seen
        self.applied: dict[str, float] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._commits, daemon=True)]
        self._lock = threading.Lock()

    def start(self):
        consumer = KafkaConsumer(enable_auto_commit=False, **self.settings.client_config())
        partitions = [TopicPartition(FEEDBACK_TOPIC, p)
                      for p in consumer.partitions_for_topic(FEEDBACK_TOPIC) or ()]
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:
            consumer.position(tp)
        self._consumer = consumer
        for thread in self._threads:
            thread.start()
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        self._consumer.close()

    def _read(self):
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=100).values():
                now = time.monotonic()
                with self._lock:
                    for r in records:
                        self.placed[r.key.decode()] = (r.partition, r.offset, now)

    def _commits(self):
        admin = KafkaAdminClient(**self.settings.client_config())
        group = SERVICES["evaluation"].group_id
        try:
            while not self._stop.is_set():
                offsets = admin.list_group_offsets({group: None})[group]
                committed = {tp.partition: meta.offset for tp, meta in offsets.items()
                             if tp.topic == FEEDBACK_TOPIC}
                now = time.monotonic()
                with self._lock:
                    for key, (partition, offset, _seen) in self.placed.items():
                        if key not in self.applied and committed.get(partition, -1) > offset:
                            self.applied[key] = now
                time.sleep(0.05)
        finally:
            admin.close()


async def submit(url: str, rate: float, seconds: float) -> dict[str, float]:
    """POSTs at `rate` per second; returns feedback id -> time sent (201 answers only)."""
    body = json.dumps({"text": "Liipolan puistoon lisää valoa", "kind": "idea",
                       "area": "itainen", "district": "Liipola"}).encode()
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    sent: dict[str, float] = {}
    failures = 0
    idle = [Connection(host, int(port)) for _ in range(64)]

    async def one():
        nonlocal failures
        connection = idle.pop()
        begun = time.monotonic()
        try:
            status, payload = await connection.request_with_body("POST", path, body)
            if status == 201:
                sent[json.loads(payload)["id"]] = begun
            else:
                failures += 1
        except (OSError, asyncio.IncompleteReadError):
            failures += 1
        finally:
            idle.append(connection)

    started = time.monotonic()
    tasks = []
    for index in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    if failures:
        print(f"  {failures} submissions failed")
    return sent


def measure(group, observer: Observer, rate: float, seconds: float) -> dict:
    sent = asyncio.run(submit(f"{group.url('gateway')}/api/v1/feedback", rate, seconds))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not set(sent) <= set(observer.applied):
        time.sleep(0.2)
    to_projection = [observer.applied[k] - t for k, t in sent.items() if k in observer.applied]
    to_kafka = [observer.placed[k][2] - t for k, t in sent.items() if k in observer.placed]
    return {"rate": rate, "submitted": len(sent), "applied": len(to_projection),
            "p50": percentile(to_projection, 50), "p99": percentile(to_projection, 99),
            "kafka_p50": percentile(to_kafka, 50), "kafka_p99": percentile(to_kafka, 99)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    args = parser.parse_args(argv)
    print("end-to-end latency benchmark", machine())
    with local_stack("e2e") as env, platform(env, PROCESSES,
                                             REPO / ".stack" / "bench-logs" / "e2e") as group:
        settings = KafkaSettings.from_mapping(env)
        processes = {n: psutil.Process(group.processes[n].pid) for n in PROCESSES}
        processes.update(stack_processes(env))
        observer = Observer(settings).start()
        try:
            measure(group, observer, 5, 4)  # warm up every path once
            idle_before = {n: cpu_seconds(p) for n, p in processes.items()}
            time.sleep(10)
            idle = {n: (cpu_seconds(p) - idle_before[n]) / 10 for n, p in processes.items()}
            results = []
            for rate in (5, 50):
                before = {n: cpu_seconds(p) for n, p in processes.items()}
                began = time.monotonic()
                result = measure(group, observer, rate, args.seconds)
                elapsed = time.monotonic() - began
                result["cpu"] = {n: cpu_seconds(p) - before[n] - idle[n] * elapsed
                                 for n, p in processes.items()}
                results.append(result)
                print(f"  {rate}/s: {result['applied']}/{result['submitted']} applied, "
                      f"p50 {result['p50'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms "
                      f"(to Kafka p50 {result['kafka_p50'] * 1000:.0f} ms, "
                      f"p99 {result['kafka_p99'] * 1000:.0f} ms)", flush=True)
        finally:
            observer.stop()

    rows = []
    for r in results:
        verdict = "met" if r["p99"] < TARGET_P99 and r["applied"] == r["submitted"] else "NOT met"
        rows.append((f"POST -> projection at {r['rate']}/s",
                     f"p50 {r['p50'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms "
                     f"({r['applied']}/{r['submitted']} applied; target p99 < 1 s {verdict})"))
        rows.append((f"  of which POST -> Kafka at {r['rate']}/s",
                     f"p50 {r['kafka_p50'] * 1000:.0f} ms, p99 {r['kafka_p99'] * 1000:.0f} ms"))
    busy = results[-1]
    for name, seconds in busy["cpu"].items():
        per_thousand = seconds / busy["submitted"] * 1000
        rows.append((f"CPU s per 1,000 submissions: {name}", f"{max(0.0, per_thousand):.2f}"))
    report("end to end", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
