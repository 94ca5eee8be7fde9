"""Retention: the personal data of applicants not selected is removed after the configured
period (sooner for minors); members keep theirs. The rule, then the run on the store."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import mongoengine
import pytest

from services.common.actor import Actor
from services.common.context import ServiceContext
from services.common.httpapi import Request
from services.tables import applications, retention
from services.tables.api import router
from services.tables.applications import Retention, purge_due
from services.tables.calls import Call
from services.tables.documents import ApplicantKeyDocument

DECIDED = datetime(2026, 12, 1, 12, tzinfo=UTC)
RULES = Retention(days=180, minor_days=90)


def a_call(**changes) -> Call:
    return Call(**{"id": "c", "title": "t", "body_ids": ["table-itainen"],
                   "opens_on": date(2026, 10, 1), "closes_on": date(2026, 11, 15),
                   "term_start": date(2027, 1, 1), "created_at": DECIDED, "created_by": "a",
                   **changes})


def an_application(age_band: str = "30-44") -> applications.Application:
    return applications.Application(
        id="a", call_id="c", body_id="table-itainen", age_band=age_band, area="itainen",
        represents="resident", language="fi", submitted_at=DECIDED - timedelta(days=60),
        name="Aino", date_of_birth=date(1990, 1, 1), motivation="m")


def due(application, outcome, now, term_end=date(2028, 12, 31), call=None):
    return purge_due(application, outcome=outcome, decided_at=DECIDED, term_end=term_end,
                     call=call or a_call(), now=now, retention=RULES)


def test_not_selected_are_purged_when_the_retention_period_ends():
    assert not due(an_application(), "not_selected", DECIDED + timedelta(days=179))
    assert due(an_application(), "not_selected", DECIDED + timedelta(days=180))


def test_minors_data_is_kept_for_a_shorter_time():
    minor = an_application("13-17")
    assert not due(minor, "not_selected", DECIDED + timedelta(days=89))
    assert due(minor, "not_selected", DECIDED + timedelta(days=90))


def test_members_keep_their_data_and_reserves_keep_it_for_the_term():
    far = DECIDED + timedelta(days=3650)
    assert not due(an_application(), "selected", far)
    assert not due(an_application(), "reserve", datetime(2029, 6, 1, tzinfo=UTC))
    assert due(an_application(), "reserve", datetime(2029, 6, 30, tzinfo=UTC))


def test_undecided_applications_wait_for_the_retention_after_the_call_closed():
    assert not due(an_application(), None, datetime(2027, 5, 13, tzinfo=UTC))
    assert due(an_application(), None, datetime(2027, 5, 15, tzinfo=UTC))
    early = a_call(closed_early_at=datetime(2026, 10, 20, tzinfo=UTC))
    assert due(an_application(), None, datetime(2027, 4, 19, tzinfo=UTC), call=early)


def test_anonymised_applications_are_not_purged_twice():
    done = replace(an_application(), anonymised_at=DECIDED)
    assert not due(done, "not_selected", DECIDED + timedelta(days=400))


# -- the run on the store ---------------------------------------------------------------------
COORDINATOR = Actor("anna", frozenset({"coordinator"})).to_headers()


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def send(ctx, method, path, body=None, headers=None):
    return router.dispatch(Request(method, path, body=body, headers=headers or {}), ctx)


@pytest.fixture
def ctx(embedded_store):
    return ServiceContext(service="tables", topic="kuultu.tables",
                          clock=Clock(datetime(2026, 10, 10, 9, tzinfo=UTC)),
                          settings={"KUULTU_TABLES_RETENTION_DAYS": "30",
                                    "KUULTU_TABLES_MINOR_RETENTION_DAYS": "10"})


def raw(application_id: str) -> dict:
    return mongoengine.get_db("tables")["applications"].find_one({"_id": application_id})


def test_the_run_removes_the_personal_fields_and_keeps_the_members(ctx):
    body = {"id": "village-jury", "kind": "jury", "name": {"fi": "Kyläraati"}, "seats": 1,
            "term_months": 12, "quota_features": ["age_band"]}
    assert send(ctx, "POST", "/staff/bodies", body, COORDINATOR).status == 201
    call = send(ctx, "POST", "/staff/calls", {
        "title": "Kyläraati", "body_ids": ["village-jury"], "opens_on": "2026-10-01",
        "closes_on": "2026-10-31", "term_start": "2026-11-15"}, COORDINATOR).body
    ids = []
    people = (("Aino Asukas", "1990-01-01"), ("Eero Esimerkki", "2011-01-01"),
              ("Ilkka Ikonen", "1980-01-01"))
    for name, born in people:
        reply = send(ctx, "POST", f"/calls/{call['id']}/applications", {
            "name": name, "date_of_birth": born, "area": "itainen", "motivation": "kylä"})
        assert reply.status == 201, reply.body
        ids.append(reply.body["id"])
    ctx.clock.now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert send(ctx, "POST", f"/staff/calls/{call['id']}/selections", {
        "body_id": "village-jury", "method": "manual", "selected": [ids[0]]},
        COORDINATOR).status == 201
    assert send(ctx, "POST", f"/staff/calls/{call['id']}/selections/village-jury/decision", {
        "decision_date": "2026-11-02", "decision_reference": "KH § 5"}, COORDINATOR).status == 200

    ctx.clock.now = datetime(2026, 11, 11, 9, tzinfo=UTC)  # 9 days: nothing yet
    assert retention.purge(ctx)["anonymised"] == 0
    assert raw(ids[1])["name"] == "Eero Esimerkki"
    # The term ended 2027-11-14: the minor reserve's data goes 10 days later, the adult's 30.
    ctx.clock.now = datetime(2027, 11, 30, 9, tzinfo=UTC)
    assert retention.purge(ctx, dry_run=True) == {
        "due": 1, "anonymised": 0, "skipped": 0, "dry_run": True, "retention_days": 30,
        "minor_retention_days": 10}
    assert retention.purge(ctx)["anonymised"] == 1
    stored = raw(ids[1])
    for field in ("name", "date_of_birth", "motivation", "participant_id",
                  "withdrawal_code_hash"):
        assert field not in stored
    assert stored["age_band"] == "13-17" and stored["anonymised_at"] is not None
    assert raw(ids[0])["name"] == "Aino Asukas"  # the member
    assert ApplicantKeyDocument.objects(application_id=ids[1]).count() == 0
    assert raw(ids[2])["name"] == "Ilkka Ikonen"
    assert retention.purge(ctx)["due"] == 0
    ctx.clock.now = datetime(2027, 12, 15, 9, tzinfo=UTC)
    assert retention.purge(ctx)["anonymised"] == 1 and "name" not in raw(ids[2])


def test_withdrawal_frees_the_duplicate_guard(ctx):
    call = send(ctx, "POST", "/staff/calls", {
        "title": "Pöydät", "body_ids": ["table-itainen"], "opens_on": "2026-10-01",
        "closes_on": "2026-10-31", "term_start": "2027-01-01"}, COORDINATOR).body
    payload = {"name": "Aino Asukas", "date_of_birth": "1990-01-01", "area": "itainen",
               "motivation": "puistot"}
    first = send(ctx, "POST", f"/calls/{call['id']}/applications", payload)
    again = send(ctx, "POST", f"/calls/{call['id']}/applications",
                 {**payload, "name": " aino  ASUKAS "})
    assert again.status == 409 and again.body["error"] == "duplicate_application"
    withdrawn = send(ctx, "POST", f"/applications/{first.body['id']}/withdraw",
                     {"withdrawal_code": first.body["withdrawal_code"]})
    assert withdrawn.status == 200 and "name" not in raw(first.body["id"])
    assert send(ctx, "POST", f"/calls/{call['id']}/applications", payload).status == 201


def test_bad_retention_settings_are_refused():
    with pytest.raises(ValueError):
        retention.retention_from({"KUULTU_TABLES_RETENTION_DAYS": "0"})
    assert retention.retention_from({}) == Retention()
