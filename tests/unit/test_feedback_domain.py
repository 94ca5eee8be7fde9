from datetime import UTC, datetime

import pytest

from services.common.errors import ValidationFailed
from services.feedback import domain

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def submit(**payload):
    base = {"text": "Lisää penkkejä", "kind": "idea", "area": "keskusta"}
    return domain.submit({**base, **payload}, now=NOW)


def reasons(**payload):
    with pytest.raises(ValidationFailed) as caught:
        submit(**payload)
    return caught.value.fields


def test_valid_submission_records_feedback_received_without_the_text():
    feedback = submit(district="Kartano", latitude=60.98, longitude=25.66)
    assert feedback.status == "received"
    assert domain.RECEIPT_PATTERN.match(feedback.receipt_code)
    (name, data), = feedback.events
    assert name == "FeedbackReceived"
    assert data["feedback_id"] == feedback.id
    assert data["channel"] == "e_feedback"  # the default channel
    assert data["has_location"] is True
    assert "Lisää penkkejä" not in str(data)


def test_every_invalid_field_has_its_own_reason():
    fields = reasons(text="", kind="rant", area="moon", language="finnish", surname="X")
    assert set(fields) == {"text", "kind", "area", "language", "surname"}
    assert "keskusta" in fields["area"] and "idea" in fields["kind"]


def test_text_longer_than_4000_characters_is_refused():
    assert "4000" in reasons(text="a" * 4001)["text"]
    assert submit(text="a" * 4000).text == "a" * 4000


def test_half_a_location_is_refused():
    assert "both" in reasons(latitude=60.9)["longitude"]
    assert "number" in reasons(latitude="north", longitude=25.6)["latitude"]


def test_project_link_must_be_an_id():
    assert "UUID" in reasons(project_id="kauppatori")["project_id"]


def test_public_view_has_no_text_or_participant():
    view = domain.public_view(submit())
    assert set(view) == {"receipt_code", "kind", "area", "status", "received_at", "history"}


def test_receipt_codes_avoid_look_alike_characters():
    codes = {domain.new_receipt_code() for _ in range(500)}
    assert len(codes) == 500
    assert not any(c in code[3:] for code in codes for c in "01IOL")
