"""The events the tables service emits: each validates against its published schema and
carries no personal data (names, birth dates, motivations, organisations, contact)."""

import json

import mongoengine
import pytest

from services.common.actor import Actor
from services.common.context import ServiceContext
from services.common.envelope import decode, encode, event_from_dict
from services.common.httpapi import Request
from services.tables.api import router

COORDINATOR = Actor("anna", frozenset({"coordinator"})).to_headers()
PERSONAL = ("Aino", "Asukas", "1990-04-12", "2011-02-03", "Liipolan asukasyhdistys",
            "Puistot kuntoon", "woman", "aino@example.fi")
TABLES_EVENTS = {"ApplicationSubmitted", "ApplicationDecided", "MembersSelected",
                 "StatementSubmitted", "StatementAnswered"}


def send(ctx, method, path, body=None, staff=False):
    reply = router.dispatch(Request(method, path, body=body,
                                    headers=COORDINATOR if staff else {}), ctx)
    assert reply.status < 300, reply.body
    return reply.body


@pytest.fixture
def emitted(embedded_store):
    """Drives the service through every event it emits and returns the stored envelopes."""
    ctx = ServiceContext(service="tables", topic="kuultu.tables")
    send(ctx, "POST", "/staff/bodies", {"id": "contract-jury", "kind": "jury",
                                        "name": {"fi": "Raati"}, "seats": 1, "term_months": 12,
                                        "quota_features": ["age_band"]}, staff=True)
    call = send(ctx, "POST", "/staff/calls", {
        "title": "Raati", "body_ids": ["contract-jury"], "opens_on": "2026-01-01",
        "closes_on": "2099-12-31", "term_start": "2100-01-01"}, staff=True)
    ids = []
    for born in ("1990-04-12", "2011-02-03"):
        ids.append(send(ctx, "POST", f"/calls/{call['id']}/applications", {
            "name": "Aino Asukas", "date_of_birth": born, "area": "itainen",
            "represents": "association", "organisation": "Liipolan asukasyhdistys",
            "motivation": "Puistot kuntoon", "gender": "woman", "public_listing": True,
            "participant_id": "p-" + "ab" * 16})["id"])
    send(ctx, "POST", f"/staff/calls/{call['id']}/close", staff=True)
    send(ctx, "POST", f"/staff/calls/{call['id']}/selections",
         {"body_id": "contract-jury", "method": "manual", "selected": [ids[0]]}, staff=True)
    send(ctx, "POST", f"/staff/calls/{call['id']}/selections/contract-jury/decision",
         {"decision_date": "2026-01-02", "decision_reference": "KH § 1"}, staff=True)
    send(ctx, "POST", f"/staff/bodies/contract-jury/members/{ids[0]}/resign",
         {"left_on": "2100-02-01"}, staff=True)
    statement = send(ctx, "POST", "/staff/bodies/contract-jury/statements", {
        "kind": "proposal", "addressee": "kaupunginhallitus", "title": "Penkit",
        "text": "Aino Asukas ehdottaa penkkejä.", "areas": ["itainen"]}, staff=True)
    send(ctx, "POST", f"/staff/statements/{statement['id']}/answer",
         {"answered_by": "kaupunginhallitus", "answer_summary": "Penkit tulevat."}, staff=True)
    db = mongoengine.get_db("tables")
    return [pending["envelope"] for name in ("applications", "selections", "statements")
            for doc in db[name].find() for pending in doc.get("outbox", [])]


def test_every_event_of_the_tables_service_is_emitted_and_valid(emitted):
    assert {e["type"].split(".")[3] for e in emitted} == TABLES_EVENTS
    for envelope in emitted:
        event = event_from_dict(envelope)
        message = encode(event)  # validates the data against the schema
        assert decode(message.key.encode(), message.value,
                      list(message.headers.items())) == event


def test_no_personal_data_leaves_in_an_event(emitted):
    for envelope in emitted:
        serialized = json.dumps(envelope["data"], ensure_ascii=False)
        for value in PERSONAL:
            assert value not in serialized, (envelope["type"], value)


def test_events_are_keyed_by_their_aggregate(emitted):
    for envelope in emitted:
        name, data = envelope["type"].split(".")[3], envelope["data"]
        expected = {"ApplicationSubmitted": data.get("application_id"),
                    "ApplicationDecided": data.get("application_id"),
                    "MembersSelected": data.get("body_id"),
                    "StatementSubmitted": data.get("statement_id"),
                    "StatementAnswered": data.get("statement_id")}[name]
        assert envelope["subject"] == expected


def test_the_decision_and_the_replacement_tell_each_applicant_once(emitted):
    decided = [e["data"] for e in emitted if e["type"].endswith("ApplicationDecided.v1")]
    assert sorted((d["decision"], d["basis"]) for d in decided) == [
        ("reserve", "board_decision"), ("selected", "board_decision"),
        ("selected", "replacement")]
    answered = next(e["data"] for e in emitted if e["type"].endswith("StatementAnswered.v1"))
    assert answered["member_ids"] == ["p-" + "ab" * 16]  # the replacement, now the member
