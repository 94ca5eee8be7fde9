"""A feedback relay that dies by SIGKILL right after Kafka acknowledged its first publish and
before the events are marked sent: the window the outbox must survive. Run as a child process
by test_relay_killed.py:

    python -m tests.faults.crashing_relay COUNT

stores COUNT feedback items through the feedback service's own API (one id per line on
stdout), then runs one pass of the service's outbox relay, which kills this process."""

import os
import signal
import sys
import uuid

from services.common import store
from services.common.config import KafkaSettings, mongo_uri
from services.common.context import ServiceContext
from services.common.httpapi import Request
from services.common.kafka_bus import KafkaPublisher
from services.common.outbox import OutboxRelay
from services.common.topology import SERVICES
from services.common.wiring import wiring_of


def main(count: int) -> int:
    spec = SERVICES["feedback"]
    store.connect(spec.name, mongo_uri())
    wiring = wiring_of(spec.name)
    context = ServiceContext(service=spec.name, topic=spec.topic)  # no relay kicked here
    for _ in range(count):
        reply = wiring.router.dispatch(Request(
            "POST", "/feedback", body={"text": "Kaatuvan välittäjän testi", "kind": "idea",
                                       "area": "pohjoinen"},
            headers={"x-correlation-id": str(uuid.uuid4())}), context)
        if reply.status != 201:
            print(f"refused: {reply.status} {reply.body}", file=sys.stderr)
            return 1
        print(reply.body["id"], flush=True)

    publisher = KafkaPublisher(KafkaSettings.from_mapping(os.environ), client_id="crashing-relay")

    def publish_then_die(topic, messages):
        publisher.publish(topic, messages)  # returns once the broker acknowledged them
        os.kill(os.getpid(), signal.SIGKILL)

    OutboxRelay(spec.name, wiring.documents, publish_then_die).relay_once()
    print("the relay marked its events sent: the fault did not fire", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
