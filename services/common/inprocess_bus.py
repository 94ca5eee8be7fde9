"""The bus of the embedded default: append-only topic logs in memory with per-group offsets.

It honours the same contract as Kafka (publish, consume in order, commit after processing,
dead-letter topics, replay from the start) so the same handlers run unchanged.
"""

import threading
from collections import defaultdict

import structlog

from services.common.consuming import Backoff, OutgoingMessage, Record, RecordProcessor, RetryLater

log = structlog.get_logger(__name__)


class InProcessBus:
    def __init__(self):
        self._logs: dict[str, list[Record]] = defaultdict(list)
        self._changed = threading.Condition()

    def publish(self, topic: str, messages: list[OutgoingMessage]) -> None:
        with self._changed:
            log_ = self._logs[topic]
            for m in messages:
                log_.append(Record(topic, 0, len(log_), m.key, m.value, list(m.headers)))
            self._changed.notify_all()

    def read(self, topic: str, offset: int, limit: int = 500) -> list[Record]:
        with self._changed:
            return self._logs[topic][offset : offset + limit]

    def end_offset(self, topic: str) -> int:
        with self._changed:
            return len(self._logs[topic])

    def wait_for_more(self, offsets: dict[str, int], timeout: float) -> None:
        with self._changed:
            if all(len(self._logs[t]) <= o for t, o in offsets.items()):
                self._changed.wait(timeout)


class InProcessConsumer:
    """One consumer group over some topics; the 'committed' offsets live in this object."""

    def __init__(self, bus: InProcessBus, topics: list[str], processor: RecordProcessor,
                 backoff: Backoff | None = None):
        self.bus = bus
        self.processor = processor
        self.offsets = {t: 0 for t in topics}
        self.backoff = backoff or Backoff()
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        with self.bus._changed:
            self.bus._changed.notify_all()

    def lag(self) -> int:
        return sum(self.bus.end_offset(t) - o for t, o in self.offsets.items())

    def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            progressed = False
            for topic, offset in self.offsets.items():
                for record in self.bus.read(topic, offset):
                    try:
                        self.processor.process(record)
                    except RetryLater:
                        failures += 1
                        self._stopping.wait(self.backoff.delay(failures))
                        break
                    failures = 0
                    self.offsets[topic] = record.offset + 1  # the commit
                    progressed = True
            if not progressed:
                self.bus.wait_for_more(self.offsets, timeout=0.5)
