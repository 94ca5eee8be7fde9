from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import Conflict, ValidationFailed
from services.feedback import domain

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
TIMES = domain.AnswerTimes(default_days=14, by_unit={"libraries": 5})
PARTICIPANT = "p-" + "ab" * 16


def submit(participant_id=None, **payload):
    base = {"text": "Lisää penkkejä", "kind": "idea", "area": "keskusta"}
    return domain.submit({**base, **payload}, now=NOW, participant_id=participant_id)


def reasons(**payload):
    with pytest.raises(ValidationFailed) as caught:
        submit(**payload)
    return caught.value.fields


def names(feedback):
    return [name for name, _data in feedback.events]


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
    assert feedback.history == [{"at": "2026-11-29T12:00:00Z", "status": "received",
                                 "action": "received", "actor": None}]


def test_every_invalid_field_has_its_own_reason():
    fields = reasons(text="", kind="rant", area="moon", language="finnish", surname="X",
                     unit="Kaupunkiympäristö", media_url="javascript:alert(1)")
    assert set(fields) == {"text", "kind", "area", "language", "surname", "unit", "media_url"}
    assert "keskusta" in fields["area"] and "idea" in fields["kind"]


def test_text_longer_than_4000_characters_is_refused():
    assert "4000" in reasons(text="a" * 4001)["text"]
    assert submit(text="a" * 4000).text == "a" * 4000


def test_half_a_location_is_refused():
    assert "both" in reasons(latitude=60.9)["longitude"]
    assert "number" in reasons(latitude="north", longitude=25.6)["latitude"]


def test_project_link_must_be_an_id():
    assert "UUID" in reasons(project_id="kauppatori")["project_id"]


def test_only_staff_enter_feedback_on_a_residents_behalf():
    assert "staff" in reasons(channel="staff_entered")["channel"]
    entered = domain.submit({"text": "Soitti puhelimella", "kind": "question", "area": "itainen"},
                            now=NOW, entered_by="sari")
    assert entered.channel == "staff_entered" and entered.history[0]["actor"] == "sari"


def test_participant_id_must_come_from_the_contact_registry():
    with pytest.raises(ValidationFailed) as caught:
        submit(participant_id="matti@example.fi")
    assert set(caught.value.fields) == {"participant_id"}
    assert submit(participant_id=PARTICIPANT).events[0][1]["participant_id"] == PARTICIPANT


def test_assigning_starts_the_work_and_reassigning_is_recorded_without_a_status_change():
    feedback = submit()
    feedback.events.clear()
    feedback.assign("urban-environment", actor="sari", now=NOW)
    assert feedback.status == "in_progress" and feedback.unit == "urban-environment"
    (name, data), = feedback.events
    assert name == "FeedbackStatusChanged"
    assert (data["from_status"], data["to_status"], data["reason"]) == (
        "received", "in_progress", "assigned")
    feedback.events.clear()
    feedback.assign("libraries", actor="sari", now=LATER)
    assert feedback.status == "in_progress" and feedback.unit == "libraries"
    assert feedback.events == []
    assert feedback.history[-1] == {"at": "2026-12-02T12:00:00Z", "status": "in_progress",
                                    "action": "assigned", "actor": "sari", "unit": "libraries"}
    before = len(feedback.history)
    feedback.assign("libraries", actor="sari", now=LATER)  # nothing happens: nothing recorded
    assert len(feedback.history) == before
    with pytest.raises(ValidationFailed):
        feedback.assign("Kirjastot", actor="sari", now=LATER)


def test_answering_unassigned_feedback_assigns_it_to_the_answering_unit():
    feedback = submit(participant_id=PARTICIPANT)
    feedback.events.clear()
    answer = feedback.answer("Kiitos, penkit tulevat keväällä.", True, actor="sari",
                             actor_unit="urban-environment", now=LATER, times=TIMES)
    assert feedback.status == "answered" and feedback.unit == "urban-environment"
    assert [h["status"] for h in feedback.history] == ["received", "in_progress", "answered"]
    assert names(feedback) == ["FeedbackStatusChanged", "FeedbackStatusChanged",
                               "FeedbackAnswered"]
    data = feedback.events[-1][1]
    assert data == {
        "feedback_id": feedback.id, "answer_id": answer["id"], "kind": "idea",
        "area": "keskusta", "unit": "urban-environment", "language": "fi",
        "participant_id": PARTICIPANT, "public": True, "first_answer": True, "on_time": True,
        "received_at": "2026-11-29T12:00:00Z", "answered_at": "2026-12-02T12:00:00Z",
    }
    assert "penkit" not in str(feedback.events)


def test_a_public_answer_and_a_private_reply_are_two_answers():
    feedback = submit(participant_id=PARTICIPANT)
    feedback.assign("libraries", actor="sari", now=NOW)
    feedback.answer("Julkinen vastaus", True, actor="sari", actor_unit=None, now=LATER,
                    times=TIMES)
    feedback.events.clear()
    feedback.answer("Yksityinen vastaus", False, actor="sari", actor_unit=None,
                    now=NOW + timedelta(days=6), times=TIMES)
    assert feedback.status == "answered"
    assert [a["public"] for a in feedback.answers] == [True, False]
    assert [a["text"] for a in feedback.public_answers] == ["Julkinen vastaus"]
    (name, data), = feedback.events
    assert name == "FeedbackAnswered"
    assert data["first_answer"] is False and data["public"] is False
    assert data["on_time"] is False  # libraries answer within 5 days


def test_answers_are_checked_field_by_field():
    anonymous = submit()
    with pytest.raises(ValidationFailed) as caught:
        anonymous.answer("x" * 4001, False, actor="eva", actor_unit=None, now=NOW, times=TIMES)
    assert set(caught.value.fields) == {"text", "public", "unit"}
    assert "anonymous" in caught.value.fields["public"]
    with pytest.raises(ValidationFailed) as caught:
        anonymous.answer("", "yes", actor="eva", actor_unit="libraries", now=NOW, times=TIMES)
    assert set(caught.value.fields) == {"text", "public"}
    assert anonymous.status == "received" and anonymous.answers == []


def test_closed_feedback_cannot_be_worked_on():
    feedback = submit()
    feedback.close(actor="sari", now=NOW)
    assert feedback.status == "closed"
    with pytest.raises(Conflict):
        feedback.answer("Myöhäinen", True, actor="sari", actor_unit="libraries", now=LATER,
                        times=TIMES)
    with pytest.raises(Conflict):
        feedback.assign("libraries", actor="sari", now=LATER)
    with pytest.raises(Conflict):
        feedback.close(actor="sari", now=LATER)


def test_an_initiative_must_be_answered_publicly_before_it_is_closed():
    initiative = submit(kind="initiative", participant_id=PARTICIPANT)
    with pytest.raises(Conflict):
        initiative.close(actor="sari", now=NOW)
    initiative.answer("Yksityinen", False, actor="sari", actor_unit="libraries", now=NOW,
                      times=TIMES)
    with pytest.raises(Conflict):
        initiative.close(actor="sari", now=NOW)
    with pytest.raises(Conflict):
        initiative.mark_duplicate(submit(), actor="sari", now=NOW)
    initiative.answer("Kaupunginhallitus käsitteli aloitteen.", True, actor="sari",
                      actor_unit=None, now=LATER, times=TIMES)
    initiative.close(actor="sari", now=LATER)
    assert initiative.status == "closed"


def test_a_duplicate_is_closed_and_shows_the_originals_public_answers():
    original = submit()
    original.answer("Penkit tulevat.", True, actor="sari", actor_unit="libraries", now=NOW,
                    times=TIMES)
    duplicate = submit()
    duplicate.events.clear()
    duplicate.mark_duplicate(original, actor="sari", now=LATER)
    assert duplicate.status == "closed" and duplicate.duplicate_of == original.id
    assert duplicate.events[-1][1]["reason"] == "marked_duplicate"
    view = domain.public_view(duplicate, TIMES, original)
    assert view["duplicate"] is True and view["answers"][0]["text"] == "Penkit tulevat."
    with pytest.raises(ValidationFailed):
        original.mark_duplicate(original, actor="sari", now=LATER)
    with pytest.raises(ValidationFailed):  # no chains: point at the original
        submit().mark_duplicate(duplicate, actor="sari", now=LATER)


def test_linking_to_a_project_is_recorded_in_the_history():
    feedback = submit()
    feedback.link_project("0B8F5C1E-2D3A-4B5C-8D9E-0F1A2B3C4D5E", actor="sari", now=LATER)
    assert feedback.project_id == "0b8f5c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
    assert feedback.history[-1]["action"] == "linked_to_project"
    with pytest.raises(ValidationFailed):
        feedback.link_project("hanke", actor="sari", now=LATER)


def test_expected_answer_time_follows_the_unit_and_overdue_only_while_open():
    feedback = submit()
    assert feedback.due_at(TIMES) == NOW + timedelta(days=14)
    assert not feedback.is_overdue(NOW + timedelta(days=14), TIMES)
    assert feedback.is_overdue(NOW + timedelta(days=14, seconds=1), TIMES)
    feedback.assign("libraries", actor="sari", now=NOW)
    assert feedback.due_at(TIMES) == NOW + timedelta(days=5)
    assert feedback.is_overdue(NOW + timedelta(days=6), TIMES)
    feedback.answer("Vastaus", True, actor="sari", actor_unit=None, now=NOW + timedelta(days=6),
                    times=TIMES)
    assert not feedback.is_overdue(NOW + timedelta(days=30), TIMES)
    assert domain.AnswerTimes().days_for("anything") == domain.DEFAULT_ANSWER_DAYS == 14


def test_answer_days_must_be_whole_days_within_a_year():
    assert domain.parse_answer_days(10) == 10
    for bad in (0, 366, 2.5, "10", True, None):
        with pytest.raises(ValidationFailed):
            domain.parse_answer_days(bad)


def test_public_view_shows_public_answers_but_no_text_participant_or_staff():
    feedback = submit(participant_id=PARTICIPANT)
    feedback.answer("Yksityinen vastaus", False, actor="sari", actor_unit="libraries", now=NOW,
                    times=TIMES)
    feedback.answer("Julkinen vastaus", True, actor="sari", actor_unit=None, now=LATER,
                    times=TIMES)
    view = domain.public_view(feedback, TIMES)
    assert set(view) == {"receipt_code", "kind", "area", "status", "unit", "received_at",
                         "expected_answer_by", "duplicate", "answers", "history"}
    assert view["answers"] == [{"at": "2026-12-02T12:00:00Z", "text": "Julkinen vastaus"}]
    serialized = str(view)
    for private in ("Lisää penkkejä", PARTICIPANT, "sari", "Yksityinen"):
        assert private not in serialized
    assert view["expected_answer_by"] is None  # answered: no longer waiting
    assert domain.public_view(submit(), TIMES)["expected_answer_by"] == "2026-12-13T12:00:00Z"


def test_receipt_codes_avoid_look_alike_characters():
    codes = {domain.new_receipt_code() for _ in range(500)}
    assert len(codes) == 500
    assert not any(c in code[3:] for code in codes for c in "01IOL")
