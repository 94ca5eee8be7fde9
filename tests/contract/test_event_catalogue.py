"""The published contract: every schema is in the catalogue, every example is valid, and the
events the services emit validate and carry no personal data."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from services.common.envelope import decode, encode, event_from_dict, new_event
from services.common.schemas import default_registry, schemas_dir
from services.common.topology import DOMAIN_TOPICS, SERVICES
from services.feedback import domain as feedback_domain

REGISTRY = default_registry()
SPECS = REGISTRY.specs
# Words that must never name a field of an event's data: events are pseudonymous.
PERSONAL = {"name", "first_name", "last_name", "email", "phone", "address", "text",
            "birth_date", "date_of_birth", "contact", "motivation", "latitude", "longitude"}


def test_catalogue_is_asyncapi_3_and_lists_every_schema_file():
    catalogue = yaml.safe_load((schemas_dir() / "asyncapi.yaml").read_text())
    assert catalogue["asyncapi"].startswith("3.")
    listed = {spec.schema_path for spec in SPECS}
    on_disk = {p.resolve() for p in Path(schemas_dir()).glob("events/*/v*.schema.json")}
    assert listed == on_disk
    assert {"FeedbackReceived", "ProjectStepCompleted", "ApplicationSubmitted",
            "ResultsPublished"} <= {s.name for s in SPECS}


def test_every_topic_has_an_owner_service():
    catalogue = yaml.safe_load((schemas_dir() / "asyncapi.yaml").read_text())
    for channel in catalogue["channels"].values():
        assert SERVICES[channel["x-owner"]].topic == channel["address"]
    assert set(REGISTRY.topics.values()) == set(DOMAIN_TOPICS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.name}.v{s.version}")
def test_schema_is_strict_and_free_of_personal_fields(spec):
    schema = json.loads(spec.schema_path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert not PERSONAL & set(schema["properties"])


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.name}.v{s.version}")
def test_example_is_a_valid_cloudevent_on_its_topic(spec):
    example = json.loads(spec.example_path.read_text())
    assert example["type"] == spec.ce_type
    assert example["dataschema"] == spec.dataschema
    REGISTRY.validate(spec, example["data"])
    event = event_from_dict(example)
    message = encode(event)
    assert message.key == example["subject"]
    assert decode(message.key.encode(), message.value, list(message.headers.items())) == event


def test_the_event_feedback_emits_validates_against_the_contract():
    feedback = feedback_domain.submit(
        {"text": "Puhelinnumeroni on 040 1234567", "kind": "complaint", "area": "etelainen",
         "address": "Aleksanterinkatu 1", "latitude": 60.98, "longitude": 25.66},
        now=datetime(2026, 11, 29, tzinfo=UTC))
    for name, data in feedback.events:
        event = new_event(name, data, service="feedback", subject=feedback.id,
                          correlation_id="c")
        assert event.ce_type in {s.ce_type for s in SPECS}
        serialized = json.dumps(event.to_dict())
        assert "040 1234567" not in serialized and "Aleksanterinkatu" not in serialized
