"""Generations of the facts projection, so that a rebuild never shows readers a half-built
projection, and the switch to the rebuilt one is one atomic write.

The pointer (ProjectionState) names the active collection. A rebuild registers a new one as
`building`, fills it by replay, then makes it active in one conditional update. Meanwhile the
live consumer writes each fact to both: an event it handles after the rebuild took its end
offsets is then in the new generation too, and one the replay also reads is a duplicate key,
which changes nothing. A pointer document rather than renaming collections: one conditional
update is atomic on MongoDB and FerretDB alike, and readers never see a missing collection."""

import mongoengine
import pymongo
import pymongo.errors

from services.common.errors import Conflict
from services.evaluation.documents import INITIAL_GENERATION, ProjectionState

POINTER_ID = "facts"
_indexed: set[tuple] = set()


def _db():
    return mongoengine.get_db("evaluation")


def collection(name: str):
    """A generation's collection, with the indexes the radar's reads use."""
    db = _db()
    marker = (id(db.client), db.name, name)
    if marker not in _indexed:
        facts = db[name]
        facts.create_index([("name", 1), ("month", 1)])
        facts.create_index([("name", 1), ("year", 1)])
        _indexed.add(marker)
    return db[name]


def _state() -> dict:
    return ProjectionState._get_collection().find_one({"_id": POINTER_ID}) or {}


def active() -> str:
    return _state().get("active") or INITIAL_GENERATION


def targets() -> list[str]:
    """Where the live consumer writes: the active generation and the one being built."""
    state = _state()
    names = [state.get("active") or INITIAL_GENERATION]
    if state.get("building"):
        names.append(state["building"])
    return names


def insert(name: str, facts: list[dict]) -> int:
    """Inserts facts once: an id that is there already is skipped. Returns how many were new."""
    if not facts:
        return 0
    try:
        result = collection(name).insert_many(facts, ordered=False)
        return len(result.inserted_ids)
    except pymongo.errors.BulkWriteError as exc:
        others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != 11000]
        if others:
            raise
        return exc.details.get("nInserted", 0)


def begin(generation: str, rebuild_id: str, *, take_over: bool = False) -> str | None:
    """Registers `generation` as being built. Raises Conflict if another rebuild holds the
    pointer, unless `take_over` (its process died); returns the abandoned one to drop."""
    pointer = ProjectionState._get_collection()
    query = {"_id": POINTER_ID} if take_over else {"_id": POINTER_ID, "building": None}
    try:
        before = pointer.find_one_and_update(
            query,
            {"$set": {"building": generation, "rebuild_id": rebuild_id},
             "$setOnInsert": {"active": INITIAL_GENERATION}},
            upsert=True,
        )
    except pymongo.errors.DuplicateKeyError as exc:
        raise Conflict("Another rebuild is running; wait for it, or take over if its process "
                       "has died.") from exc
    abandoned = (before or {}).get("building")
    if abandoned and abandoned != generation:
        _db().drop_collection(abandoned)
    return abandoned


def switch(generation: str) -> str:
    """Makes the built generation active in one write; drops the generation before the
    previous one. Returns the generation that was active."""
    state = _state()
    old = state.get("active") or INITIAL_GENERATION
    result = ProjectionState._get_collection().update_one(
        {"_id": POINTER_ID, "building": generation, "active": old},
        {"$set": {"active": generation, "building": None, "previous": old}},
    )
    if result.matched_count != 1:
        raise Conflict(f"The projection pointer changed during the rebuild of {generation}; "
                       "nothing was switched.")
    older = state.get("previous")
    if older and older not in (generation, old):
        _db().drop_collection(older)
    return old


def abandon(generation: str) -> None:
    """A failed rebuild: stop the live dual-write and drop the half-built collection."""
    ProjectionState._get_collection().update_one(
        {"_id": POINTER_ID, "building": generation}, {"$set": {"building": None}})
    _db().drop_collection(generation)
