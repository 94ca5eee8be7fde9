"""Transactional outbox on single-document atomicity.

An aggregate document carries its not-yet-published events in an `outbox` list, so the state
change and its events are stored in one write (MongoDB and FerretDB are atomic per document;
no multi-document transactions are needed). A relay publishes pending events, waits for the
broker's acknowledgement, and only then removes them. A crash in between publishes them
again: consumers deduplicate by event id.
"""

import threading
from collections.abc import Callable

import mongoengine
import pymongo.errors
import structlog
from mongoengine import DictField, EmbeddedDocument, IntField, ListField, StringField

from services.common import metrics
from services.common.consuming import OutgoingMessage
from services.common.envelope import Event, encode, event_from_dict
from services.common.errors import Conflict, TransientError

log = structlog.get_logger(__name__)


class PendingEvent(EmbeddedDocument):
    event_id = StringField(required=True)
    topic = StringField(required=True)
    envelope = DictField(required=True)  # the structured CloudEvent


class OutboxDocument(mongoengine.Document):
    """Base of every aggregate document that emits events."""

    meta = {"abstract": True}
    version = IntField(default=0)  # optimistic concurrency: each write expects the last one
    outbox = ListField(mongoengine.EmbeddedDocumentField(PendingEvent))


def _pending(events: list[Event], topic_of: Callable[[Event], str]) -> list[dict]:
    return [
        PendingEvent(event_id=e.id, topic=topic_of(e), envelope=e.to_dict()).to_mongo().to_dict()
        for e in events
    ]


def save_with_events(doc: OutboxDocument, events: list[Event], topic: str) -> None:
    """Insert or update the aggregate and append its events, in one atomic write.

    Raises Conflict if someone else changed the aggregate since it was read.
    """
    collection = doc._get_collection()
    son = doc.to_mongo().to_dict()
    pending = _pending(events, lambda _e: topic)
    try:
        if doc.version == 0:
            son.update(version=1, outbox=pending)
            collection.insert_one(son)
        else:
            state = {k: v for k, v in son.items() if k not in ("_id", "version", "outbox")}
            update = {"$set": state, "$inc": {"version": 1},
                      "$push": {"outbox": {"$each": pending}}}
            # to_mongo() leaves out fields that are None now: unset them, or the stored
            # value would survive the change.
            cleared = {f.db_field: "" for f in doc._fields.values()
                       if f.db_field not in son and f.db_field not in ("_id", "version", "outbox")}
            if cleared:
                update["$unset"] = cleared
            result = collection.update_one({"_id": son["_id"], "version": doc.version}, update)
            if result.matched_count != 1:
                raise Conflict("The item was changed by someone else; reload and try again.")
    except pymongo.errors.DuplicateKeyError as exc:
        raise Conflict("The item exists already.") from exc
    except pymongo.errors.ConnectionFailure as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
    doc.version += 1


class OutboxRelay:
    """Publishes pending events of the given document classes. `kick()` wakes it at once after
    a write; a periodic pass also recovers events left behind by a crash."""

    def __init__(self, service: str, documents: list[type[OutboxDocument]], publish,
                 batch: int = 200, interval: float = 1.0):
        self.service = service
        self.documents = documents
        self.publish = publish  # (topic, [OutgoingMessage]) -> None, raises unless acked
        self.batch = batch
        self.interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def relay_once(self) -> int:
        sent = 0
        pending_total = 0
        for document in self.documents:
            collection = document._get_collection()
            for doc in collection.find({"outbox.0": {"$exists": True}}, {"outbox": 1}).limit(
                self.batch
            ):
                outbox = doc["outbox"]
                pending_total += len(outbox)
                self._publish(outbox)
                # $pullAll of the exact elements read: FerretDB ignores conditional $pull.
                # Events appended meanwhile are different elements and stay.
                collection.update_one({"_id": doc["_id"]}, {"$pullAll": {"outbox": outbox}})
                sent += len(outbox)
        metrics.OUTBOX_PENDING.labels(self.service).set(pending_total)
        return sent

    def _publish(self, outbox: list[dict]) -> None:
        by_topic: dict[str, list[OutgoingMessage]] = {}
        for pending in outbox:
            event = event_from_dict(pending["envelope"])
            message = encode(event)
            key = message.key.encode() if isinstance(message.key, str) else message.key
            by_topic.setdefault(pending["topic"], []).append(
                OutgoingMessage(key=key, value=message.value, headers=list(message.headers.items()))
            )
            metrics.EVENTS_PUBLISHED.labels(self.service, pending["topic"], event.name).inc()
        for topic, messages in by_topic.items():
            self.publish(topic, messages)

    def run(self) -> None:
        """Loop until stopped; failures (broker or database away) are logged and retried."""
        failures = 0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                while self.relay_once() and not self._stopping.is_set():
                    pass
                failures = 0
            except Exception as exc:  # keep relaying whatever went wrong: nothing is lost
                failures += 1
                log.warning("outbox_relay_failed", error=repr(exc), failures=failures)
            self._wake.wait(min(30.0, self.interval * (2 ** min(failures, 5))))
