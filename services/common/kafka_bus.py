"""The bus on real Apache Kafka (kafka-python): an idempotent publisher and a consumer loop
that commits an offset only after its record was processed (never auto-commit)."""

import threading
import time
from collections.abc import Iterable

import structlog
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from services.common.config import KafkaSettings
from services.common.consuming import Backoff, OutgoingMessage, Record, RecordProcessor, RetryLater
from services.common.topology import dead_letter_topic

log = structlog.get_logger(__name__)


class KafkaPublisher:
    """acks=all and the idempotent producer: a retried send is never written twice.
    The producer is created on first use, so a service starts even while Kafka is away."""

    def __init__(self, settings: KafkaSettings, client_id: str, send_timeout: float = 30.0):
        self.settings = settings
        self.client_id = client_id
        self.send_timeout = send_timeout
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=2,
                    retry_backoff_ms=200,
                    request_timeout_ms=15000,
                    **self.settings.client_config(),
                )
            return self._producer

    def publish(self, topic: str, messages: list[OutgoingMessage]) -> None:
        """Returns once the broker acknowledged every message; raises otherwise."""
        producer = self._get_producer()
        futures = [
            producer.send(topic, key=m.key, value=m.value, headers=m.headers) for m in messages
        ]
        producer.flush(timeout=self.send_timeout)
        for future in futures:
            future.get(timeout=self.send_timeout)

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None


def ensure_topics(
    settings: KafkaSettings, topics: Iterable[str], partitions: int = 3, replication: int = 1
) -> None:
    """Create the event topics and their dead-letter topics if missing (local stack; on
    Kubernetes the topics are declared as Strimzi KafkaTopic resources)."""
    wanted = set()
    for topic in topics:
        wanted.update({topic, dead_letter_topic(topic)})
    admin = KafkaAdminClient(client_id="kuultu-admin", **settings.client_config())
    try:
        missing = wanted - set(admin.list_topics())
        if missing:
            try:
                admin.create_topics(
                    [NewTopic(t, partitions, replication) for t in sorted(missing)],
                    timeout_ms=30000,
                )
            except TopicAlreadyExistsError:
                pass  # another process created it meanwhile
    finally:
        admin.close()


class KafkaConsumerLoop:
    """One consumer-group member. Runs in one thread (a green thread under nameko)."""

    def __init__(
        self,
        settings: KafkaSettings,
        topics: list[str],
        group_id: str,
        processor: RecordProcessor,
        *,
        client_id: str | None = None,
        max_poll_records: int = 200,
        backoff: Backoff | None = None,
        consumer_options: dict | None = None,
    ):
        self.topics = topics
        self.group_id = group_id
        self.processor = processor
        self.backoff = backoff or Backoff(initial=0.5, maximum=5.0)
        self._stopping = threading.Event()
        self._consumer = KafkaConsumer(
            *topics,
            group_id=group_id,
            client_id=client_id or group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            # A member that dies holds its partitions until its session expires: kafka-python's
            # 45 s stalled a partition for that long (fault test 6); 10 s is Kafka's old default.
            **{"session_timeout_ms": 10000, "heartbeat_interval_ms": 3000,
               **(consumer_options or {})},
            **settings.client_config(),
        )

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        log.info("consumer_started", group=self.group_id, topics=self.topics)
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    batch = self._consumer.poll(timeout_ms=500)
                except KafkaError as exc:
                    log.warning("poll_failed", error=repr(exc))
                    time.sleep(self.backoff.delay(1))
                    continue
                for tp, records in batch.items():
                    if self._stopping.is_set():
                        break
                    if self._process_partition(tp, records):
                        failures = 0
                    else:
                        failures += 1
                        time.sleep(self.backoff.delay(failures))
        finally:
            self._consumer.close(autocommit=False)
            log.info("consumer_stopped", group=self.group_id)

    def _process_partition(self, tp: TopicPartition, records) -> bool:
        """Process in order and commit what succeeded. On a transient failure, seek back to
        the failed record so the next poll re-reads it; returns False then."""
        done = None
        ok = True
        for message in records:
            if self._stopping.is_set():
                break
            record = Record(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
                headers=list(message.headers or []),
            )
            try:
                self.processor.process(record)
            except RetryLater:
                self._consumer.seek(tp, message.offset)
                ok = False
                break
            done = message.offset
        if done is not None:
            self._commit(tp, done + 1)
        return ok

    def _commit(self, tp: TopicPartition, next_offset: int) -> None:
        try:
            self._consumer.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
        except CommitFailedError as exc:
            # The group rebalanced meanwhile: the new owner re-reads from the last commit,
            # and idempotent handlers make the repeat harmless.
            log.warning("commit_failed_rebalanced", partition=tp.partition, error=repr(exc))
        except KafkaError as exc:
            # The broker is away. The next commit covers these records too; if this member
            # stops first, they are read again and deduplicated. Either way the loop goes on.
            log.warning("commit_failed", partition=tp.partition, error=repr(exc))
