"""Event path: how fast the platform publishes events to Kafka, against a raw kafka-python
producer with the same durability settings (acks=all, idempotent), measured in the same run.

    .venv/bin/python bench/event_path.py [--messages 20000] [--outbox 1000]

Three figures on a fresh local stack, all with real FeedbackReceived CloudEvents:
  raw producer       send() every record, one flush (the peer);
  KafkaPublisher     the platform's publisher, one publish() per 200 events (a relay pass);
  per-event publish  one publish() per event: a relay pass that found one document;
  outbox relay       documents written through the feedback service's API, then published
                     by OutboxRelay passes (encode + validate, publish, mark sent in the
                     database) until every outbox is empty: once as the hot path does it
                     (the writes hand their entries to the relay) and once by recovery
                     passes (a search for pending documents); its time is split into
                     publishing and the database's share.
"""

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaProducer  # noqa: E402

from bench.harness import local_stack, machine, report  # noqa: E402
from services.common import store  # noqa: E402
from services.common.config import KafkaSettings  # noqa: E402
from services.common.consuming import OutgoingMessage  # noqa: E402
from services.common.context import ServiceContext  # noqa: E402
from services.common.envelope import encode, new_event  # noqa: E402
from services.common.httpapi import Request  # noqa: E402
from services.common.kafka_bus import KafkaPublisher, ensure_topics  # noqa: E402
from services.common.outbox import OutboxRelay  # noqa: E402
from services.common.topology import FEEDBACK_TOPIC, SERVICES  # noqa: E402
from services.common.wiring import wiring_of  # noqa: E402


def messages(count: int) -> list[OutgoingMessage]:
    out = []
    for _ in range(count):
        feedback_id = str(uuid.uuid4())
        event = new_event("FeedbackReceived", {
            "feedback_id": feedback_id, "kind": "idea", "channel": "omalahti",
            "area": "keskusta", "district": "Keski-Lahti", "language": "fi",
            "received_at": "2026-11-29T10:00:00Z"},
            service="feedback", subject=feedback_id, correlation_id=str(uuid.uuid4()))
        message = encode(event)
        out.append(OutgoingMessage(message.key.encode(), message.value,
                                   list(message.headers.items())))
    return out


def raw(settings: KafkaSettings, topic: str, batch: list[OutgoingMessage]) -> float:
    producer = KafkaProducer(acks="all", enable_idempotence=True, linger_ms=2,
                             **settings.client_config())
    try:
        producer.send(topic, key=b"warm", value=b"up").get(30)
        started = time.perf_counter()
        for m in batch:
            producer.send(topic, key=m.key, value=m.value, headers=m.headers)
        producer.flush(60)
        return len(batch) / (time.perf_counter() - started)
    finally:
        producer.close()


def publisher(settings: KafkaSettings, topic: str, batch: list[OutgoingMessage],
              per_call: int) -> float:
    platform_publisher = KafkaPublisher(settings, client_id="bench-publisher")
    try:
        platform_publisher.publish(topic, batch[:1])
        started = time.perf_counter()
        for start in range(0, len(batch), per_call):
            platform_publisher.publish(topic, batch[start:start + per_call])
        return len(batch) / (time.perf_counter() - started)
    finally:
        platform_publisher.close()


def relay(settings: KafkaSettings, mongo_uri: str, count: int, kicked: bool
          ) -> tuple[float, float, float]:
    """Returns (documents written per second through the API, events relayed per second,
    the share of the relay's time spent publishing; the rest is the database's). `kicked`:
    the writes hand their entries to the relay, which publishes them without searching (the
    hot path); otherwise recovery passes find them by a search."""
    spec = SERVICES["feedback"]
    store.connect(spec.name, mongo_uri)
    wiring = wiring_of(spec.name)
    platform_publisher = KafkaPublisher(settings, client_id="bench-relay")
    publishing = 0.0

    def timed_publish(topic, batch):
        nonlocal publishing
        begun = time.perf_counter()
        platform_publisher.publish(topic, batch)
        publishing += time.perf_counter() - begun

    try:
        outbox = OutboxRelay(spec.name, wiring.documents, timed_publish)
        context = ServiceContext(service=spec.name, topic=spec.topic,
                                 after_write=outbox.kick if kicked else lambda doc, pending: None)
        body = {"text": "Kauppatorille lisää penkkejä", "kind": "idea", "area": "keskusta"}
        started = time.perf_counter()
        for _ in range(count):
            reply = wiring.router.dispatch(Request("POST", "/feedback", body=dict(body)), context)
            assert reply.status == 201, reply.body
        written = count / (time.perf_counter() - started)
        started = time.perf_counter()
        relayed = 0
        while sent := outbox.relay_once(recover=not kicked):
            relayed += sent
        elapsed = time.perf_counter() - started
        assert relayed == count, (relayed, count)
        return written, relayed / elapsed, publishing / elapsed
    finally:
        platform_publisher.close()
        store.disconnect(spec.name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--outbox", type=int, default=1000, help="documents for the relay")
    args = parser.parse_args(argv)
    print("event path benchmark", machine())
    batch = messages(args.messages)
    with local_stack("events") as env:
        settings = KafkaSettings.from_mapping(env)
        topic = f"kuultu.bench.{uuid.uuid4().hex[:8]}"
        ensure_topics(settings, [topic, FEEDBACK_TOPIC])
        raw_rate = raw(settings, topic, batch)
        batched = publisher(settings, topic, batch, 200)
        single = publisher(settings, topic, batch[: max(1, args.messages // 10)], 1)
        # Recovery first: it searches the whole collection, which the kicked run then grows.
        _, recovered, recovery_share = relay(settings, env["KUULTU_MONGO_URI"], args.outbox,
                                             kicked=False)
        written, relayed, publish_share = relay(settings, env["KUULTU_MONGO_URI"], args.outbox,
                                                kicked=True)
    report("event path", [
        ("raw kafka-python producer (peer)", f"{raw_rate:,.0f} events/s"),
        ("KafkaPublisher, 200 per publish", f"{batched:,.0f} events/s  "
         f"(ratio {batched / raw_rate:.2f})"),
        ("KafkaPublisher, 1 per publish", f"{single:,.0f} events/s  "
         f"(ratio {single / raw_rate:.3f})"),
        ("outbox relay, kicked writes, incl. database", f"{relayed:,.0f} events/s  "
         f"(ratio {relayed / raw_rate:.3f}; {args.outbox} documents)"),
        ("  its time publishing / in the database", f"{publish_share:.0%} / "
         f"{1 - publish_share:.0%}"),
        ("outbox relay, recovery passes (search)", f"{recovered:,.0f} events/s  "
         f"(ratio {recovered / raw_rate:.3f}; {args.outbox} documents)"),
        ("  its time publishing / in the database", f"{recovery_share:.0%} / "
         f"{1 - recovery_share:.0%}"),
        ("documents written via the API", f"{written:,.0f}/s (FerretDB, in-process, no HTTP)"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
