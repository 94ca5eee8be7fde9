"""Selection: stratified random selection with quotas (sortition-algorithms), reproducible
with a seed, by hand, the decision, the reserve list and replacements (pure domain)."""

import random
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from services.common.envelope import new_event
from services.common.errors import Conflict, ValidationFailed
from services.tables import selection, sortition
from services.tables.bodies import DEFAULT_BODIES
from services.tables.calls import Call
from services.tables.sortition import QuotasInfeasible

BODY = next(b for b in DEFAULT_BODIES if b.id == "table-itainen")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # after the call closed
QUOTAS = {  # what the city wants of a 20-member table
    "age_band": {"13-17": {"min": 2, "max": 4}, "18-29": {"min": 3, "max": 6},
                 "65-74": {"min": 2, "max": 5}, "75+": {"min": 1, "max": 3}},
    "area": {"itainen": {"min": 10, "max": 16}},
    "represents": {"association": {"min": 3, "max": 8}, "school": {"min": 1, "max": 3},
                   "company": {"min": 1, "max": 3}},
}


def aid(i: int) -> str:
    """Application ids are UUIDs in the events."""
    return f"00000000-0000-4000-8000-{i:012d}"


def a_call() -> Call:
    return Call(id="1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", title="Kumppanuuspöydät", body_ids=[BODY.id],
                opens_on=date(2026, 10, 1), closes_on=date(2026, 11, 15),
                term_start=date(2027, 1, 1), created_at=NOW, created_by="anna")


def pool_of(size: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    pool = []
    for i in range(size):
        pool.append({
            "id": aid(i),
            "age_band": rng.choice(("13-17", "18-29", "30-44", "30-44", "45-64", "45-64",
                                    "65-74", "75+")),
            "area": "itainen" if rng.random() < 0.6 else rng.choice(
                ("keskusta", "etelainen", "pohjoinen")),
            "represents": rng.choice(("resident", "resident", "resident", "association",
                                      "association", "school", "company", "parish")),
            "gender": rng.choice(("woman", "man", "other", "not_given")),
            "participant_id": f"p-{i:032x}", "language": "fi"})
    return pool


def within(pool: list[dict], chosen: list[str], quotas: dict) -> dict:
    """Counted here from the pool, independently of the report."""
    picked = [c for c in pool if c["id"] in chosen]
    return {(f, v): b["min"] <= sum(c[f] == v for c in picked) <= b["max"]
            for f, values in quotas.items() for v, b in values.items()}


@pytest.fixture(scope="module")
def big_pool():
    return pool_of(64)


@pytest.fixture(scope="module")
def maximin_proposal(big_pool):
    return selection.propose({"body_id": BODY.id, "method": "maximin", "seed": 2026,
                              "quotas": QUOTAS}, call=a_call(), body=BODY, pool=big_pool,
                             now=NOW, actor="anna")


def test_twenty_from_a_pool_of_64_meet_every_quota(big_pool, maximin_proposal):
    chosen = maximin_proposal.selected
    assert len(chosen) == 20 == len(set(chosen))
    assert all(within(big_pool, chosen, QUOTAS).values())
    report = maximin_proposal.report()
    assert report["quotas_met"] is True and report["pool_size"] == 64
    # The coordinator's quotas are used as given; features they left out get the defaults.
    rows = {(r["feature"], r["value"]): r for r in report["quotas"]}
    assert (rows[("area", "itainen")]["min"], rows[("area", "itainen")]["max"]) == (10, 16)
    assert rows[("represents", "parish")]["min"] >= 1  # every group that applied is present


def test_the_report_gives_each_applicant_a_probability(big_pool, maximin_proposal):
    probabilities = maximin_proposal.probabilities
    assert set(probabilities) == {c["id"] for c in big_pool}
    assert all(0 <= p <= 1 for p in probabilities.values())
    assert sum(probabilities.values()) == pytest.approx(20, abs=1e-3)
    assert min(probabilities.values()) > 0  # maximin: nobody is left without a chance
    assert maximin_proposal.panels >= 1
    rows = maximin_proposal.report()["applicants"]
    assert len(rows) == 64 and sum(r["proposed"] for r in rows) == 20


def test_the_rest_form_an_ordered_reserve_list(big_pool, maximin_proposal):
    reserve = maximin_proposal.reserve
    assert len(reserve) == 44 and not set(reserve) & set(maximin_proposal.selected)
    assert set(reserve) | set(maximin_proposal.selected) == {c["id"] for c in big_pool}


def test_the_same_seed_gives_the_same_selection_and_reserve(big_pool, maximin_proposal):
    again = selection.propose({"body_id": BODY.id, "method": "maximin", "seed": 2026,
                               "quotas": QUOTAS}, call=a_call(), body=BODY, pool=big_pool,
                              now=NOW, actor="ben")
    assert again.selected == maximin_proposal.selected
    assert again.reserve == maximin_proposal.reserve
    assert again.probabilities == maximin_proposal.probabilities


def test_nash_meets_the_quotas_too_and_other_draws_give_other_panels():
    pool = pool_of(24, seed=5)
    quotas = sortition.default_quotas(pool, ["age_band", "represents"], 8)
    nash = sortition.draw(pool, 8, quotas, "nash", 1)
    assert sum(nash.probabilities.values()) == pytest.approx(8, abs=1e-3)
    drawn = {tuple(nash.selected), *(tuple(sortition.draw(pool, 8, quotas, "maximin", seed)
                                           .selected) for seed in (1, 2))}
    assert len(drawn) > 1
    for panel in drawn:
        assert len(panel) == 8 and all(within(pool, list(panel), quotas).values())


def test_a_seed_is_chosen_and_recorded_when_none_is_given():
    pool = pool_of(12, seed=9)
    first = selection.propose({"body_id": BODY.id, "method": "nash"}, call=a_call(),
                              body=BODY, pool=pool, now=NOW, actor="anna")
    assert 1 <= first.seed < 2**31
    assert first.history[-1] == {"at": "2026-12-01T09:00:00Z", "by": "anna",
                                 "action": "proposed", "method": "nash", "seed": first.seed}
    assert first.selected == [c["id"] for c in pool]  # 12 applicants for 20 seats: all in


def test_quotas_that_cannot_be_met_are_refused_with_the_librarys_advice(big_pool):
    impossible = {"age_band": {"13-17": {"min": 2, "max": 2}, "18-29": {"min": 2, "max": 2},
                               "30-44": {"min": 2, "max": 2}, "45-64": {"min": 2, "max": 2},
                               "65-74": {"min": 2, "max": 2}, "75+": {"min": 2, "max": 2}}}
    with pytest.raises(QuotasInfeasible) as refused:
        selection.propose({"body_id": BODY.id, "seed": 3, "quotas": impossible},
                          call=a_call(), body=BODY, pool=big_pool, now=NOW, actor="anna")
    assert refused.value.status == 422 and "quotas" in refused.value.fields


def test_invalid_proposals_get_reasons(big_pool):
    with pytest.raises(ValidationFailed) as refused:
        selection.propose({"body_id": BODY.id, "method": "lottery", "seed": 0,
                           "features": ["shoe_size"], "quotas": None}, call=a_call(),
                          body=BODY, pool=big_pool, now=NOW, actor="anna")
    assert set(refused.value.fields) == {"method", "seed", "features"}
    with pytest.raises(ValidationFailed) as refused:
        selection.propose({"body_id": BODY.id, "seed": 3,
                           "quotas": {"age_band": {"13-17": {"min": 40, "max": 50}}}},
                          call=a_call(), body=BODY, pool=big_pool, now=NOW, actor="anna")
    assert "eligible applicants" in refused.value.fields["quotas.age_band.13-17"]


def test_picking_by_hand_keeps_the_choice_and_reports_the_quotas(big_pool):
    picked = [c["id"] for c in big_pool[:20]]
    manual = selection.propose({"body_id": BODY.id, "method": "manual", "selected": picked,
                                "reserve": [aid(63), aid(62)], "seed": 11}, call=a_call(),
                               body=BODY, pool=big_pool, now=NOW, actor="anna")
    assert manual.selected == picked and manual.probabilities is None
    assert manual.reserve[:2] == [aid(63), aid(62)] and len(manual.reserve) == 44
    assert all(row["probability"] is None for row in manual.report()["applicants"])
    assert len(manual.report()["quotas"]) > 0
    with pytest.raises(ValidationFailed) as refused:
        selection.propose({"body_id": BODY.id, "method": "manual", "selected": [aid(0), "x"]},
                          call=a_call(), body=BODY, pool=big_pool, now=NOW, actor="anna")
    assert "x" in refused.value.fields["selected"]


def test_the_decision_makes_members_and_records_the_events(big_pool, maximin_proposal):
    chosen = selection.propose({"body_id": BODY.id, "method": "manual",
                                "selected": maximin_proposal.selected, "seed": 2026},
                               call=a_call(), body=BODY, pool=big_pool, now=NOW, actor="anna")
    chosen.decide({"decision_date": "2026-11-30", "decision_reference": "KH 30.11.2026 § 312"},
                  call=a_call(), pool_ids={c["id"] for c in big_pool}, now=NOW, actor="anna")
    assert chosen.status == "decided" and len(chosen.active_members()) == 20
    names = [name for name, _ in chosen.events]
    assert names.count("MembersSelected") == 1 and names.count("ApplicationDecided") == 64
    members = dict(chosen.events)["MembersSelected"]
    by_id = {c["id"]: c for c in big_pool}
    assert members["composition"]["area"] == dict(
        Counter(by_id[a]["area"] for a in chosen.selected))
    assert members["selected_count"] == 20 and members["reserve_count"] == 44
    decided = [data for name, data in chosen.events if name == "ApplicationDecided"]
    assert Counter(d["decision"] for d in decided) == {"selected": 20, "reserve": 44}
    assert sorted(d["reserve_rank"] for d in decided if d["reserve_rank"]) == list(range(1, 45))
    for name, data in chosen.events:  # each validates against its published schema
        new_event(name, data, service="tables", subject="s", correlation_id="c")
    with pytest.raises(Conflict):
        chosen.decide({"decision_date": "2026-11-30", "decision_reference": "again"},
                      call=a_call(), pool_ids={c["id"] for c in big_pool}, now=NOW,
                      actor="anna")


def test_no_decision_while_the_call_is_open_or_after_the_pool_changed(big_pool):
    pool = big_pool[:25]
    open_now = datetime(2026, 10, 15, tzinfo=UTC)
    by_hand = {"body_id": BODY.id, "method": "manual", "selected": [c["id"] for c in pool[:20]]}
    preview = selection.propose(by_hand, call=a_call(), body=BODY, pool=pool, now=open_now,
                                actor="a")
    assert preview.preview is True
    decision = {"decision_date": "2026-10-15", "decision_reference": "KH § 1"}
    with pytest.raises(Conflict, match="still open"):
        preview.decide(decision, call=a_call(), pool_ids={c["id"] for c in pool}, now=open_now,
                       actor="a")
    with pytest.raises(Conflict, match="while the call was open"):
        preview.decide(decision, call=a_call(), pool_ids={c["id"] for c in pool}, now=NOW,
                       actor="a")
    closed = selection.propose(by_hand, call=a_call(), body=BODY, pool=pool, now=NOW, actor="a")
    with pytest.raises(Conflict, match="changed"):
        closed.decide(decision, call=a_call(), pool_ids={c["id"] for c in pool[:24]}, now=NOW,
                      actor="a")
    with pytest.raises(ValidationFailed) as refused:
        closed.decide({"decision_date": "2027-05-01"}, call=a_call(),
                      pool_ids={c["id"] for c in pool}, now=NOW, actor="a")
    assert set(refused.value.fields) == {"decision_date", "decision_reference"}


def test_a_resigned_member_is_replaced_by_the_first_reserve_who_keeps_the_quotas():
    pool = [{"id": f"m{i}", "age_band": "30-44", "area": "itainen", "represents": "resident",
             "gender": "woman", "participant_id": None, "language": "fi"} for i in range(4)]
    pool += [{"id": "m4", "age_band": "13-17", "area": "itainen", "represents": "school",
              "gender": "man", "participant_id": "p-" + "a" * 32, "language": "fi"},
             {"id": "r1", "age_band": "30-44", "area": "keskusta", "represents": "resident",
              "gender": "man", "participant_id": None, "language": "fi"},
             {"id": "r2", "age_band": "13-17", "area": "itainen", "represents": "school",
              "gender": "woman", "participant_id": "p-" + "b" * 32, "language": "sv"}]
    small = type(BODY)(**{**BODY.__dict__, "seats": 5})
    quotas = {"age_band": {"13-17": {"min": 1, "max": 2}, "30-44": {"min": 3, "max": 4}}}
    chosen = selection.propose({"body_id": BODY.id, "method": "manual",
                                "selected": ["m0", "m1", "m2", "m3", "m4"],
                                "reserve": ["r1", "r2"], "quotas": quotas,
                                "features": ["age_band"]},
                               call=a_call(), body=small, pool=pool, now=NOW, actor="anna")
    chosen.decide({"decision_date": "2026-11-30", "decision_reference": "KH § 9"},
                  call=a_call(), pool_ids={c["id"] for c in pool}, now=NOW, actor="anna")
    chosen.events.clear()
    later = datetime(2027, 3, 1, tzinfo=UTC)
    # The young member leaves: r1 is first in line but would leave no one aged 13-17.
    replacement = chosen.resign("m4", {"left_on": "2027-02-28"}, now=later, actor="anna")
    assert replacement["application_id"] == "r2" and replacement["replaces"] == "m4"
    assert chosen.reserve == ["r1"]
    assert [m["application_id"] for m in chosen.active_members()] == ["m0", "m1", "m2", "m3",
                                                                       "r2"]
    assert chosen.outcome("r2") == "selected" and chosen.outcome("m4") == "selected"
    (name, data), = chosen.events
    assert (name, data["decision"], data["basis"], data["application_id"]) == (
        "ApplicationDecided", "selected", "replacement", "r2")
    # When nobody keeps the quotas, the first in line still gets the seat.
    assert chosen.resign("r2", {}, now=later, actor="anna")["application_id"] == "r1"
    assert chosen.resign("m0", {"replace": False}, now=later, actor="anna") == {}
    with pytest.raises(ValidationFailed):
        chosen.resign("m1", {"left_on": "2031-01-01"}, now=later, actor="anna")


def test_default_quotas_stay_feasible_with_more_groups_than_seats():
    bands = ("75+", "65-74", "45-64", "45-64", "30-44", "18-29", "13-17")
    pool = [{"id": aid(i), "age_band": band} for i, band in enumerate(bands)]
    quotas = sortition.default_quotas(pool, ["age_band"], 4)
    assert all(bounds["min"] == 0 for bounds in quotas["age_band"].values())
    drawn = sortition.draw(pool, 4, quotas, "maximin", 3)
    assert len(drawn.selected) == 4 and min(drawn.probabilities.values()) > 0


def test_a_regional_table_gives_at_least_half_of_its_seats_to_its_own_area():
    pool = pool_of(64)
    quotas = sortition.default_quotas(pool, ["area", "represents"], 20, home_area="itainen")
    assert quotas["area"]["itainen"]["min"] == 10
    assert all(b == {"min": 0, "max": min(b["max"], 10)} for v, b in quotas["area"].items()
               if v != "itainen")
    balanced = sortition.default_quotas(pool, ["area"], 20)  # a city-wide body
    assert all(b["min"] >= 1 and b["max"] <= 10 for b in balanced["area"].values())
