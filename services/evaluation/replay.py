"""Where a rebuild reads the event history from: every topic from its first offset up to the
end offsets taken when it starts. Records written after that are the live consumer's (which
writes to the generation being built too, see generations.py).

On the real stack: a Kafka consumer without a group (assign + seek to the beginning), so
replaying never moves the live consumer group's offsets. In the embedded default: the
in-process bus's log."""

import time
from collections.abc import Iterator

from kafka import KafkaConsumer, TopicPartition

from services.common.config import KafkaSettings
from services.common.consuming import Record
from services.common.errors import TransientError
from services.common.inprocess_bus import InProcessBus


class KafkaReplay:
    name = "kafka"

    def __init__(self, settings: KafkaSettings, topics: list[str], *, batch: int = 1000,
                 stall_timeout: float = 60.0):
        self.settings = settings
        self.topics = topics
        self.batch = batch
        self.stall_timeout = stall_timeout
        self.truncated: list[str] = []  # partitions whose oldest events were deleted
        self._consumer: KafkaConsumer | None = None
        self._ends: dict[TopicPartition, int] = {}

    def open(self) -> int:
        """Assigns every partition, takes the end offsets; returns how many records to read."""
        self._consumer = KafkaConsumer(
            group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=self.batch, client_id="kuultu-evaluation-rebuild",
            allow_auto_create_topics=False,  # a topic not there yet simply has no events
            **self.settings.client_config(),
        )
        partitions = [TopicPartition(topic, p) for topic in self.topics
                      for p in sorted(self._consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return 0
        self._consumer.assign(partitions)
        self._consumer.seek_to_beginning(*partitions)
        begins = self._consumer.beginning_offsets(partitions)
        self._ends = self._consumer.end_offsets(partitions)
        self.truncated = [f"{tp.topic}[{tp.partition}] starts at offset {begins[tp]}"
                          for tp in partitions if begins[tp] > 0]
        return sum(self._ends[tp] - begins[tp] for tp in partitions)

    def batches(self) -> Iterator[list[Record]]:
        consumer = self._consumer
        remaining = {tp for tp, end in self._ends.items() if consumer.position(tp) < end}
        consumer.pause(*(set(self._ends) - remaining))
        last_progress = time.monotonic()
        while remaining:
            polled = consumer.poll(timeout_ms=1000)
            batch = []
            for tp, messages in polled.items():
                end = self._ends[tp]
                batch.extend(
                    Record(m.topic, m.partition, m.offset, m.key, m.value, list(m.headers or []))
                    for m in messages if m.offset < end)
            for tp in list(remaining):
                if consumer.position(tp) >= self._ends[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)  # records after the end offsets are the live consumer's
            if batch:
                last_progress = time.monotonic()
                yield batch
            elif time.monotonic() - last_progress > self.stall_timeout:
                raise TransientError(f"no records from Kafka for {self.stall_timeout:.0f}s "
                                     f"with {len(remaining)} partitions left to read")

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None


class BusReplay:
    name = "in-process bus"

    def __init__(self, bus: InProcessBus, topics: list[str], *, batch: int = 1000):
        self.bus = bus
        self.topics = topics
        self.batch = batch
        self.truncated: list[str] = []  # the in-process log keeps everything
        self._ends: dict[str, int] = {}

    def open(self) -> int:
        self._ends = {topic: self.bus.end_offset(topic) for topic in self.topics}
        return sum(self._ends.values())

    def batches(self) -> Iterator[list[Record]]:
        for topic, end in self._ends.items():
            for offset in range(0, end, self.batch):
                yield self.bus.read(topic, offset, min(self.batch, end - offset))

    def close(self) -> None:
        pass
