"""Who may apply: every refusal has its own reason (pure domain, no store)."""

from datetime import UTC, date, datetime

import pytest

from services.common.actor import Forbidden
from services.common.errors import Conflict, ValidationFailed
from services.tables import applications
from services.tables.applications import CallNotOpen, NotEligible
from services.tables.bodies import DEFAULT_BODIES
from services.tables.calls import Call, local_today, open_call

BODIES = {b.id: b for b in DEFAULT_BODIES}
NOW = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
TODAY = local_today(NOW)
GOOD = {"body_id": "table-itainen", "name": "Aino Asukas", "date_of_birth": "1990-04-12",
        "area": "itainen", "represents": "resident", "motivation": "Liipolan puistot"}


def a_call(**changes) -> Call:
    values = dict(id="c-1", title="Kumppanuuspöydät", body_ids=["table-itainen", "youth-council"],
                  opens_on=date(2026, 10, 1), closes_on=date(2026, 11, 15),
                  term_start=date(2027, 1, 1), created_at=NOW, created_by="anna")
    values.update(changes)
    return Call(**values)


def check(payload: dict, call: Call | None = None, today: date = TODAY):
    call = call or a_call()
    applications.check_open(call, today)
    given = applications.parse(payload, call, today=today)
    applications.check_eligibility(given, call, BODIES.get(given.body_id))
    return given


def test_a_good_application_passes_and_gets_its_age_band_at_the_closing_date():
    given = check(GOOD)
    application = applications.submit(given, a_call(), now=NOW, withdrawal_code="ABCD-EFGH-JKMN")
    assert application.age_band == "30-44"
    name, data = application.events[0]
    assert name == "ApplicationSubmitted" and data["age_band"] == "30-44"


def test_under_13_on_the_closing_date_is_refused_with_the_age_and_the_date():
    with pytest.raises(NotEligible) as refused:
        check({**GOOD, "date_of_birth": "2013-11-16"})  # 13 one day after the closing date
    assert refused.value.status == 422 and refused.value.code == "not_eligible"
    reason = refused.value.fields["date_of_birth"]
    assert "at least 13" in reason and "2026-11-15" in reason and "is 12" in reason


def test_turning_13_on_the_closing_date_is_enough():
    given = check({**GOOD, "date_of_birth": "2013-11-15"})
    assert applications.submit(given, a_call(), now=NOW, withdrawal_code="X").age_band == "13-17"


def test_over_the_bodys_maximum_age_is_refused():
    with pytest.raises(NotEligible) as refused:
        check({**GOOD, "body_id": "youth-council", "date_of_birth": "2005-01-01"})
    assert "at most 18" in refused.value.fields["date_of_birth"]


def test_a_closed_call_refuses_with_its_closing_date():
    with pytest.raises(CallNotOpen) as refused:
        check(GOOD, today=date(2026, 11, 16))
    assert refused.value.status == 409 and refused.value.code == "call_closed"
    assert "2026-11-15" in refused.value.fields["call"]


def test_a_call_closed_early_and_a_call_not_yet_open_refuse_too():
    with pytest.raises(CallNotOpen, match="closed on 2026-10-09"):
        check(GOOD, a_call(closed_early_at=datetime(2026, 10, 9, 12, tzinfo=UTC)))
    with pytest.raises(CallNotOpen, match="opens on 2026-10-20"):
        check(GOOD, a_call(opens_on=date(2026, 10, 20)))


def test_a_body_the_call_does_not_fill_is_refused():
    with pytest.raises(NotEligible) as refused:
        check({**GOOD, "body_id": "table-keskusta"})
    assert "does not fill 'table-keskusta'" in refused.value.fields["body_id"]
    with pytest.raises(NotEligible):
        check({**GOOD, "body_id": "no-such-body"})


def test_an_area_and_a_representation_the_body_does_not_take_are_refused_each_with_a_reason():
    body = BODIES["table-itainen"]
    narrow = type(body)(**{**body.__dict__, "eligible_areas": ["itainen"],
                           "represents": ["resident", "association"]})
    call = a_call()
    given = applications.parse({**GOOD, "area": "keskusta", "represents": "company",
                                "organisation": "Lahden Pyörä Oy"}, call, today=TODAY)
    with pytest.raises(NotEligible) as refused:
        applications.check_eligibility(given, call, narrow)
    assert set(refused.value.fields) == {"area", "represents"}
    assert "itainen" in refused.value.fields["area"]


def test_invalid_fields_get_one_reason_each():
    with pytest.raises(ValidationFailed) as refused:
        check({"body_id": "table-itainen", "name": "", "date_of_birth": "12.4.1990",
               "area": "moon", "represents": "school", "motivation": "x" * 1001,
               "language": "finnish", "gender": "robot", "public_listing": "yes",
               "participant_id": "someone", "phone": "040"})
    assert set(refused.value.fields) == {
        "name", "date_of_birth", "area", "organisation", "motivation", "language", "gender",
        "public_listing", "participant_id", "phone"}
    assert refused.value.fields["organisation"] == "give the name of the school you represent"
    assert refused.value.fields["phone"] == "unknown field"


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        check({**GOOD, "date_of_birth": "2030-01-01"})
    assert "in the past" in refused.value.fields["date_of_birth"]


def test_the_same_person_gets_the_same_key_whatever_the_spelling():
    born = date(1990, 4, 12)
    key = applications.person_key("c-1", "Äino  Asukas", born)
    assert key == applications.person_key("c-1", "aino asukas", born)
    assert key != applications.person_key("c-2", "aino asukas", born)
    assert key != applications.person_key("c-1", "aino asukas", date(1990, 4, 13))
    assert "Asukas" not in key


def test_withdrawal_needs_the_code_and_an_open_call_and_removes_the_personal_data():
    call = a_call()
    application = applications.submit(check(GOOD), call, now=NOW, withdrawal_code="ABCD-EFGH-JKMN")
    with pytest.raises(Forbidden):
        application.withdraw("ABCD-EFGH-JKMP", call, NOW)
    with pytest.raises(CallNotOpen):
        application.withdraw("ABCD-EFGH-JKMN", call, datetime(2026, 11, 20, tzinfo=UTC))
    application.withdraw("abcd-efgh-jkmn", call, NOW)
    assert application.status == "withdrawn"
    assert application.name is None and application.date_of_birth is None
    assert application.motivation is None and application.withdrawal_code_hash is None
    assert application.age_band == "30-44"  # the categories stay for the statistics
    with pytest.raises(Conflict):
        application.withdraw("ABCD-EFGH-JKMN", call, NOW)


def test_a_call_is_checked_when_it_is_opened():
    with pytest.raises(ValidationFailed) as refused:
        open_call({"title": "", "body_ids": ["table-itainen", "nope"], "opens_on": "2026-11-01",
                   "closes_on": "2026-10-20", "term_start": "2026-10-01", "extra": 1},
                  bodies=BODIES, now=NOW, actor="anna")
    assert set(refused.value.fields) == {"title", "body_ids", "closes_on", "term_start", "extra"}
    with pytest.raises(ValidationFailed) as refused:
        open_call({"title": "t", "body_ids": [{"id": "table-itainen"}], "opens_on": "2026-10-01",
                   "closes_on": "2026-11-15", "term_start": "2027-01-01"},
                  bodies=BODIES, now=NOW, actor="anna")
    assert set(refused.value.fields) == {"body_ids"}
    call = open_call({"title": "Nuorisovaltuusto 2027", "body_ids": ["youth-council"],
                      "opens_on": "2026-10-01", "closes_on": "2026-11-15",
                      "term_start": "2027-01-01"}, bodies=BODIES, now=NOW, actor="anna")
    assert call.term_for(BODIES["youth-council"]) == (date(2027, 1, 1), date(2028, 12, 31))
    assert call.status(TODAY) == "open"
