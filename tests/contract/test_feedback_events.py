"""Every event the feedback service emits, over a whole lifecycle: it is declared on the
feedback topic, validates against its schema both ways, and carries no personal data."""

import json
from datetime import UTC, datetime, timedelta

import yaml

from services.common.envelope import decode, encode, new_event
from services.common.schemas import default_registry, schemas_dir
from services.feedback import domain

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
TIMES = domain.AnswerTimes()
PARTICIPANT = "p-" + "3c" * 16
# Everything a resident or staff member wrote or that locates a person.
PERSONAL = ("Asun osoitteessa Kotikatu 5", "040 1234567", "Kotikatu 5", "60.9827", "25.6615",
            "https://example.fi/kuva.jpg", "Vastaamme yksityisesti", "Julkinen vastaus",
            "staff-sari")


def lifecycle() -> list[tuple[str, domain.Feedback, dict]]:
    """Events of feedback that is received, assigned, answered twice, linked, closed; and of
    another marked as its duplicate."""
    emitted = []

    def collect(feedback):
        emitted.extend((name, feedback, data) for name, data in feedback.events)
        feedback.events.clear()

    feedback = domain.submit(
        {"text": "Asun osoitteessa Kotikatu 5, puhelin 040 1234567", "kind": "initiative",
         "area": "etelainen", "address": "Kotikatu 5", "latitude": 60.9827,
         "longitude": 25.6615, "media_url": "https://example.fi/kuva.jpg", "language": "sv"},
        now=NOW, participant_id=PARTICIPANT)
    collect(feedback)
    feedback.assign("urban-environment", actor="staff-sari", now=NOW)
    collect(feedback)
    feedback.answer("Vastaamme yksityisesti", False, actor="staff-sari", actor_unit=None,
                    now=NOW + timedelta(days=1), times=TIMES)
    feedback.answer("Julkinen vastaus", True, actor="staff-sari", actor_unit=None,
                    now=NOW + timedelta(days=20), times=TIMES)
    feedback.link_project("0b8f5c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e", actor="staff-sari", now=NOW)
    feedback.close(actor="staff-sari", now=NOW + timedelta(days=21))
    collect(feedback)
    duplicate = domain.submit({"text": "Sama asia, Kotikatu 5", "kind": "complaint",
                               "area": "etelainen"}, now=NOW)
    duplicate.mark_duplicate(feedback, actor="staff-sari", now=NOW)
    collect(duplicate)
    return emitted


def test_the_lifecycle_emits_every_event_declared_on_the_feedback_topic():
    catalogue = yaml.safe_load((schemas_dir() / "asyncapi.yaml").read_text())
    declared = {ref["$ref"].rsplit("/", 1)[-1]
                for ref in catalogue["channels"]["feedback"]["messages"].values()}
    assert {name for name, _f, _d in lifecycle()} == declared
    reasons = {d.get("reason") for name, _f, d in lifecycle() if name == "FeedbackStatusChanged"}
    assert reasons == {"assigned", "answered", "closed", "marked_duplicate"}


def test_every_emitted_event_validates_on_its_topic_and_carries_no_personal_data():
    registry = default_registry()
    for name, feedback, data in lifecycle():
        event = new_event(name, data, service="feedback", subject=feedback.id,
                          correlation_id="c0ffee00-1234-4abc-8def-0123456789ab")
        assert registry.latest(name).topic == "kuultu.feedback"
        message = encode(event)
        assert message.key == feedback.id
        assert decode(message.key.encode(), message.value, list(message.headers.items())) == event
        serialized = json.dumps(event.to_dict(), ensure_ascii=False)
        for private in PERSONAL:
            assert private not in serialized, (name, private)
        assert feedback.receipt_code not in serialized  # it opens the receipt page
        participant = data.get("participant_id")
        assert participant in (None, PARTICIPANT)
