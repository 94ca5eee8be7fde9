"""Our FerretDB launcher indexes the expression FerretDB's SQLite backend looks `_id` up by
(deploy/local/ferretdb/idindex.go); without it every lookup by `_id` scans the table."""

import time
import uuid

import pymongo
import pytest

from tests.integration.conftest import MONGO_URI


@pytest.fixture
def database(real_stack):
    client = pymongo.MongoClient(MONGO_URI, serverSelectionTimeoutMS=5000)
    name = f"test_idindex_{uuid.uuid4().hex[:8]}"
    yield client[name]
    client.drop_database(name)
    client.close()


def plan_of_lookup(collection, doc_id) -> str:
    collection.find_one({"_id": doc_id})  # a real query first: it reloads a changed schema
    explained = collection.database.command("explain", {"find": collection.name,
                                                        "filter": {"_id": doc_id}})
    return " ".join(explained["queryPlanner"]["Plan"])


def wait_for_index(collection, doc_id, timeout=10.0) -> str:
    deadline = time.monotonic() + timeout
    while "USING INDEX" not in (plan := plan_of_lookup(collection, doc_id)):
        assert time.monotonic() < deadline, f"no index used after {timeout} s: {plan}"
        time.sleep(0.2)
    return plan


def test_a_new_collection_gets_an_index_for_lookups_by_id(database):
    collection = database.items
    collection.insert_many([{"_id": str(i), "n": i} for i in range(50)])
    plan = wait_for_index(collection, "49")
    assert "_kuultu_id" in plan
    # The index changes nothing a client sees.
    assert collection.find_one({"_id": "49"})["n"] == 49
    collection.update_one({"_id": "49"}, {"$set": {"n": 0}})
    assert collection.find_one({"_id": "49"})["n"] == 0
    assert collection.count_documents({}) == 50


def test_a_collection_dropped_and_created_again_is_indexed_again(database):
    collection = database.again
    collection.insert_one({"_id": "a"})
    wait_for_index(collection, "a")
    collection.drop()
    collection.insert_one({"_id": "b"})
    assert "_kuultu_id" in wait_for_index(collection, "b")
    assert [d["_id"] for d in collection.find()] == ["b"]
