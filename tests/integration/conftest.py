"""Integration tests run against the real local stack (Kafka KRaft and FerretDB) started by
`deploy/local/stack.sh`; the platform's services run as real processes. Under CI=true a
missing stack fails the run instead of skipping it."""

import os
import socket
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from services.common import store
from services.common.config import KafkaSettings
from services.common.kafka_bus import ensure_topics
from services.common.topology import DOMAIN_TOPICS, SERVICES
from services.runstack import ProcessGroup, platform_env

KAFKA = KafkaSettings.from_mapping(os.environ)
MONGO_URI = os.environ.get("KUULTU_MONGO_URI", "mongodb://127.0.0.1:27027/")
LOG_DIR = Path(os.environ.get("KUULTU_STACK_DIR", ".stack")) / "logs" / "platform"
# Ports of the platform processes started by the tests (not the developer's 8000-8005):
# the gateway at the base, each service at base + its offset in the topology (8001 -> +1).
PORT_BASE = int(os.environ.get("KUULTU_TEST_PLATFORM_PORT", "18100"))
PORTS = {"gateway": PORT_BASE,
         **{name: PORT_BASE + spec.port - 8000 for name, spec in SERVICES.items()}}


def _reachable(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def real_stack():
    mongo_address = MONGO_URI.split("//", 1)[1].split("/", 1)[0]
    missing = [name for name, address in (("Kafka", KAFKA.bootstrap), ("FerretDB", mongo_address))
               if not _reachable(address)]
    if missing:
        message = f"{' and '.join(missing)} not reachable; start the stack with `make stack-up`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI=true: integration tests must run)")
        pytest.skip(message)  # outside CI only; under CI=true this fails above
    ensure_topics(KAFKA, DOMAIN_TOPICS)
    return KAFKA


@pytest.fixture
def mongo(real_stack):
    """Connects the test process to a database of its own on FerretDB."""
    database = f"test_{uuid.uuid4().hex[:8]}"
    for alias in SERVICES:
        store.disconnect(alias)
        store.connect(alias, MONGO_URI, database=f"{database}_{alias}")
    yield database
    for alias in SERVICES:
        from mongoengine import get_db

        get_db(alias).client.drop_database(f"{database}_{alias}")
        store.disconnect(alias)


@pytest.fixture(scope="session")
def platform(real_stack):
    """feedback, evaluation and the gateway, each as its own `kuultu serve` process."""
    env = platform_env(dict(os.environ))
    env.update({f"KUULTU_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                for name, port in PORTS.items() if name != "gateway"})
    group = ProcessGroup(env=env, log_dir=LOG_DIR)
    try:
        for name, port in PORTS.items():
            group.start(name, port)
        for name in PORTS:
            group.wait_ready(name, timeout=90)
        yield group
    finally:
        group.stop_all()


def read_topic(topic: str, predicate, timeout: float = 30.0) -> list:
    """Reads a topic from the beginning (no consumer group) until `predicate(records)`."""
    consumer = KafkaConsumer(enable_auto_commit=False, **KAFKA.client_config())
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if predicate(records):
                return records
        raise AssertionError(f"{topic}: condition not met within {timeout}s "
                             f"({len(records)} records read)")
    finally:
        consumer.close()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
