"""Transactional outbox on single-document atomicity.

An aggregate document carries its not-yet-published events in an `outbox` list, so the state
change and its events are stored in one write (MongoDB and FerretDB are atomic per document;
no multi-document transactions are needed). A relay publishes pending events, waits for the
broker's acknowledgement, and only then removes them. A crash in between publishes them
again: consumers deduplicate by event id.
"""

import threading
import time
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


def save_with_events(doc: OutboxDocument, events: list[Event], topic: str) -> list[dict]:
    """Insert or update the aggregate and append its events, in one atomic write. Returns
    the outbox entries written, as stored (what the relay publishes and then removes).

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
    return pending


class OutboxRelay:
    """Publishes pending events of the given document classes.

    `kick(doc, pending)` after a write hands the written outbox entries over, and the relay
    publishes them at once, without reading them back, then removes them by `_id` (an index
    lookup on MongoDB and on our FerretDB). A recovery pass looks for every pending document:
    at start, after a failure and every `recovery_interval` seconds. It finds what a crash
    left behind and what another replica wrote and did not relay; on MongoDB it uses a sparse
    index on `outbox.event_id`."""

    PENDING = {"outbox.event_id": {"$exists": True}}

    def __init__(self, service: str, documents: list[type[OutboxDocument]], publish,
                 batch: int = 200, interval: float = 1.0, recovery_interval: float = 15.0):
        self.service = service
        self.documents = documents
        self.publish = publish  # (topic, [OutgoingMessage]) -> None, raises unless acked
        self.batch = batch
        self.interval = interval
        self.recovery_interval = recovery_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._written: list[tuple[type[OutboxDocument], object, list[dict]]] = []  # kicked
        self._written_lock = threading.Lock()
        self._indexed: set[type[OutboxDocument]] = set()
        self.backlog = False  # the last recovery pass found a full batch: there may be more

    def kick(self, doc: OutboxDocument | None = None, pending: list[dict] = ()) -> None:
        if doc is not None and pending:
            with self._written_lock:
                self._written.append((type(doc), doc.pk, list(pending)))
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def relay_once(self, recover: bool = True) -> int:
        """One pass: publishes what it finds in one go per topic, then marks it sent.
        `recover=False` looks only at the kicked documents. Returns the events sent."""
        with self._written_lock:
            written, self._written = self._written, []
        found = []  # (collection, _id, outbox entries)
        self.backlog = False
        try:
            if recover:
                for document in self.documents:
                    collection = document._get_collection()
                    self._ensure_index(document, collection)
                    docs = [(collection, doc["_id"], doc["outbox"]) for doc in
                            collection.find(self.PENDING, {"outbox": 1}).limit(self.batch)]
                    self.backlog = self.backlog or len(docs) == self.batch
                    found += docs
            else:
                found = [(document._get_collection(), pk, pending)
                         for document, pk, pending in written]
            self._publish([event for _c, _id, outbox in found for event in outbox])
        except Exception:
            if not recover:  # nothing was removed: keep the kicked entries for the next pass
                with self._written_lock:
                    self._written[:0] = written
            raise
        for collection, pk, outbox in found:
            # $pullAll of the exact elements: FerretDB ignores conditional $pull. Events
            # appended meanwhile are different elements and stay; ones a recovery pass removed
            # already were published twice, which consumers deduplicate.
            collection.update_one({"_id": pk}, {"$pullAll": {"outbox": outbox}})
        sent = sum(len(outbox) for _c, _id, outbox in found)
        if recover:
            metrics.OUTBOX_PENDING.labels(self.service).set(sent)
        return sent

    def _ensure_index(self, document: type[OutboxDocument], collection) -> None:
        if document in self._indexed:
            return
        try:
            collection.create_index("outbox.event_id", sparse=True, name="outbox_pending")
        except pymongo.errors.OperationFailure as exc:  # a server without sparse indexes
            log.info("outbox_index_not_created", collection=collection.name, error=str(exc))
        self._indexed.add(document)

    def _publish(self, outbox: list[dict]) -> None:
        by_topic: dict[str, list[OutgoingMessage]] = {}
        names = []
        for pending in outbox:
            event = event_from_dict(pending["envelope"])
            message = encode(event)
            key = message.key.encode() if isinstance(message.key, str) else message.key
            by_topic.setdefault(pending["topic"], []).append(
                OutgoingMessage(key=key, value=message.value, headers=list(message.headers.items()))
            )
            names.append((pending["topic"], event.name))
        for topic, messages in by_topic.items():
            self.publish(topic, messages)
        for topic, name in names:  # counted once the broker has them
            metrics.EVENTS_PUBLISHED.labels(self.service, topic, name).inc()

    def run(self) -> None:
        """Loop until stopped; failures (broker or database away) are logged and retried,
        then a recovery pass finds whatever was left."""
        failures = 0
        next_recovery = 0.0  # at once: whatever the last run left behind
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if failures > 0 or time.monotonic() >= next_recovery:
                    # Again only while a batch came back full: under steady load every scan
                    # finds a few fresh writes, and scanning on for those would never end.
                    while self.relay_once() and self.backlog and not self._stopping.is_set():
                        pass
                    next_recovery = time.monotonic() + self.recovery_interval
                while self.relay_once(recover=False) and not self._stopping.is_set():
                    pass
                failures = 0
            except Exception as exc:  # keep relaying whatever went wrong: nothing is lost
                failures += 1
                log.warning("outbox_relay_failed", error=repr(exc), failures=failures)
            self._wake.wait(min(30.0, self.interval * (2 ** min(failures, 5))))
