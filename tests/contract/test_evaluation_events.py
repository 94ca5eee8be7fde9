"""The evaluation's side of the contract: it reads every example of the events it consumes,
and the EvaluationPublished it emits validates and carries no notes or staff identities."""

import json
from datetime import UTC, datetime

import pytest

from services.common.envelope import decode, encode, event_from_dict, new_event
from services.common.schemas import default_registry
from services.evaluation import domain
from services.evaluation.facts import READ_EVENTS, TIME_FIELDS, fact_from_event

REGISTRY = default_registry()


@pytest.mark.parametrize("name", READ_EVENTS)
def test_the_example_of_each_event_read_becomes_a_fact(name):
    spec = REGISTRY.latest(name)
    example = json.loads(spec.example_path.read_text())
    fact = fact_from_event(event_from_dict(example))
    when = example["data"][TIME_FIELDS[name]]
    assert fact["_id"] == example["id"] and fact["name"] == name
    assert fact["year"] == when[:4] and fact["data"] == example["data"]


def test_evaluation_published_validates_and_keeps_notes_and_people_out():
    now = datetime(2027, 2, 1, tzinfo=UTC)
    evaluation = domain.create({"period": "2026-11"}, now=now, actor_id="eva.evaluator",
                               versions=["2026.1"])
    for area in ("goals", "culture", "satisfaction", "methods"):
        domain.assess(evaluation, area, {"score": 2, "note": "Tuija Virtanen sanoi..."},
                      now=now, actor_id="eva.evaluator")
    radar = {"areas": [{"id": a, "score": None if a == "methods" else 3.25}
                       for a in ("goals", "culture", "satisfaction", "methods")]}
    domain.publish(evaluation, radar, now=now, actor_id="eva.evaluator")
    [(name, data)] = evaluation.events
    event = new_event(name, data, service="evaluation", subject=evaluation.id,
                      correlation_id="c")
    message = encode(event)
    assert decode(message.key.encode(), message.value, list(message.headers.items())) == event
    serialized = json.dumps(event.to_dict())
    assert "Tuija" not in serialized and "eva.evaluator" not in serialized
    assert event.data["scores"]["methods"] is None and event.data["period"] == "2026-11"
