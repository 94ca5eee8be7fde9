"""Every indicator of the default set, computed from events: values, populations, empty and
edge cases, filters; and how values become the radar's scores."""

from pathlib import Path

import pytest

from services.evaluation.computations import Facts, Filters, compute
from services.evaluation.facts import fact_from_event
from services.evaluation.indicator_set import Scale, available
from services.evaluation.radar import area_score, compute_radar
from tests.unit.test_evaluation_events import (
    application_submitted,
    feedback_answered,
    feedback_received,
    impact_communicated,
    message_delivered,
    participant_joined,
    participation_rated,
    pid,
    plan_saved,
    results_published,
    statement_answered,
    statement_submitted,
    step_completed,
    uid,
)

SET = available()["2026.1"]


def fetch_of(events):
    facts = [fact_from_event(e) for e in events]

    def fetch(name, period):
        return [f for f in facts if f["name"] == name and (
            period is None or f["month" if len(period) == 7 else "year"] == period)]

    return fetch


def value(indicator_id, events, **filters):
    indicator = next(i for i in SET.indicators if i.id == indicator_id)
    return compute(indicator, Facts(fetch_of(events), Filters(**filters)))


def assert_empty(indicator_id):
    result = value(indicator_id, [])
    assert (result.value, result.n, result.note) == (None, 0, "no events")


# -- goals ------------------------------------------------------------------------------------
def test_impact_communicated_share():
    assert_empty("impact_communicated_share")
    full, no_impact, no_step7, never_ran = uid(), uid(), uid(), uid()
    events = [
        step_completed(full, 4), step_completed(full, 7, days=200), impact_communicated(full,
                                                                                        days=201),
        step_completed(no_impact, 4), step_completed(no_impact, 7),
        step_completed(no_step7, 4), impact_communicated(no_step7),
        step_completed(never_ran, 7), impact_communicated(never_ran),  # not in the population
    ]
    result = value("impact_communicated_share", events)
    assert (result.value, result.n) == (pytest.approx(1 / 3, abs=1e-4), 3)
    # The period picks the projects that ran then; their impact may be told later.
    assert value("impact_communicated_share", events, period="2026-03").value == \
        pytest.approx(1 / 3, abs=1e-4)
    assert value("impact_communicated_share", events, period="2025").n == 0


def test_impact_communicated_share_by_unit_and_area():
    ours, theirs = uid(), uid()
    events = [step_completed(ours, 4, unit="culture", areas=("itainen", "keskusta")),
              step_completed(ours, 7, unit="culture"), impact_communicated(ours, unit="culture"),
              step_completed(theirs, 4, unit="urban", areas=("pohjoinen",))]
    assert value("impact_communicated_share", events, unit="culture").value == 1.0
    assert value("impact_communicated_share", events, unit="urban").value == 0.0
    assert value("impact_communicated_share", events, area="itainen").value == 1.0
    assert value("impact_communicated_share", events, area="etelainen").value is None


def test_participants_told_impact_share():
    assert_empty("participants_told_impact_share")
    project, other = uid(), uid()
    anna, ben, cai = pid(), pid(), pid()
    events = [
        participant_joined(project, anna), participant_joined(project, anna, days=3),  # once
        participant_joined(project, ben), participant_joined(project, cai),
        message_delivered(anna, project_id=project, days=100),
        message_delivered(ben, trigger="ResultsPublished", project_id=project),  # not impact
        message_delivered(cai, project_id=other),  # another project's impact
    ]
    result = value("participants_told_impact_share", events)
    assert (result.value, result.n) == (pytest.approx(1 / 3, abs=1e-4), 3)


def test_participants_told_impact_share_follows_the_projects_unit():
    """ParticipantJoined names only the project: its unit comes from the project's steps."""
    project = uid()
    anna = pid()
    events = [step_completed(project, 1, unit="culture"), participant_joined(project, anna),
              message_delivered(anna, project_id=project)]
    assert value("participants_told_impact_share", events, unit="culture").value == 1.0
    assert value("participants_told_impact_share", events, unit="urban").n == 0


def test_feedback_answered_share():
    assert_empty("feedback_answered_share")
    answered, waiting, earlier = uid(), uid(), uid()
    events = [feedback_received(feedback_id=answered), feedback_received(feedback_id=waiting),
              feedback_answered(answered), feedback_answered(answered, answered=5),  # 2 answers
              feedback_received(feedback_id=earlier, days=-60),
              feedback_answered(earlier, received=-60, answered=2)]
    result = value("feedback_answered_share", events, period="2026-03")
    assert (result.value, result.n) == (0.5, 2)
    assert value("feedback_answered_share", events).value == pytest.approx(2 / 3, abs=1e-4)


def test_statements_answered_share():
    assert_empty("statements_answered_share")
    a, b = uid(), uid()
    events = [statement_submitted(a), statement_submitted(b), statement_answered(a)]
    assert value("statements_answered_share", events).value == 0.5


# -- culture ----------------------------------------------------------------------------------
def test_units_with_plan_share_needs_a_plan_for_the_periods_year():
    assert_empty("units_with_plan_share")
    events = [step_completed(uid(), 1, unit="culture"),
              feedback_answered(uid(), unit="urban"),
              plan_saved("culture", 2026), plan_saved("urban", 2025, days=-300)]
    assert value("units_with_plan_share", events, period="2026").value == 0.5
    assert value("units_with_plan_share", events, period="2026-03").value == 0.5
    assert value("units_with_plan_share", events).value == 1.0  # all time: any plan
    assert value("units_with_plan_share", events, period="2026", unit="urban").value == 0.0


def test_decisions_share():
    assert_empty("decisions_share")
    decided, not_yet = uid(), uid()
    events = [step_completed(decided, 4), step_completed(decided, 6, days=40),
              step_completed(not_yet, 4), step_completed(uid(), 6)]
    assert value("decisions_share", events).value == 0.5


def test_median_days_to_answer_uses_each_feedbacks_first_answer():
    assert_empty("median_days_to_answer")
    a, b, c = uid(), uid(), uid()
    events = [feedback_answered(a, answered=1), feedback_answered(a, answered=30),  # 2nd answer
              feedback_answered(b, answered=3), feedback_answered(c, answered=10)]
    result = value("median_days_to_answer", events)
    assert (result.value, result.n) == (3.0, 3)
    indicator = next(i for i in SET.indicators if i.id == "median_days_to_answer")
    assert indicator.scale.score(3.0) == 5.0 and indicator.scale.score(30.0) == 0.0
    assert indicator.scale.score(90.0) == 0.0 and indicator.scale.score(0.5) == 5.0


def test_median_days_to_answer_of_an_even_count_and_a_clock_skew():
    a, b = uid(), uid()
    events = [feedback_answered(a, received=2, answered=1),  # answered "before": counts as 0
              feedback_answered(b, answered=4)]
    assert value("median_days_to_answer", events).value == 2.0


def test_median_days_to_impact_pairs_each_project_with_its_run():
    assert_empty("median_days_to_impact")
    fast, slow, never_ran = uid(), uid(), uid()
    events = [step_completed(fast, 4), impact_communicated(fast, days=100),
              step_completed(slow, 4, days=-100), impact_communicated(slow, days=100),
              impact_communicated(never_ran)]  # no step 4: left out
    result = value("median_days_to_impact", events)
    assert (result.value, result.n) == (150.0, 2)
    # The impact told in the period; its run may be in an earlier year.
    assert value("median_days_to_impact", events, period="2026-06").value == 150.0


def test_public_answers_share_counts_feedback_not_answers():
    assert_empty("public_answers_share")
    both, private = uid(), uid()
    events = [feedback_answered(both, public=False), feedback_answered(both, public=True),
              feedback_answered(private, public=False)]
    result = value("public_answers_share", events)
    assert (result.value, result.n) == (0.5, 2)


# -- satisfaction -----------------------------------------------------------------------------
def test_participation_rating_mean_needs_five_ratings():
    assert_empty("participation_rating_mean")
    project = uid()
    events = [participation_rated(project, s) for s in (5, 4, 4, 3)]
    result = value("participation_rating_mean", events)
    assert (result.value, result.n, result.note) == (None, 4, "fewer than 5")
    events.append(participation_rated(project, 2))
    result = value("participation_rating_mean", events)
    assert (result.value, result.n) == (3.6, 5)
    indicator = next(i for i in SET.indicators if i.id == "participation_rating_mean")
    assert indicator.scale.score(3.6) == 3.25 and indicator.scale.score(1) == 0.0


def test_satisfied_share():
    assert_empty("satisfied_share")
    project = uid()
    events = [participation_rated(project, s) for s in (5, 4, 4, 3, 1)]
    assert value("satisfied_share", events).value == 0.6
    assert value("satisfied_share", events[:4]).value is None  # fewer than 5


def test_praise_share_against_complaints_only():
    assert_empty("praise_share")
    events = [feedback_received(kind="praise"),
              *[feedback_received(kind="complaint") for _ in range(3)],
              feedback_received(kind="idea")]
    result = value("praise_share", events)
    assert (result.value, result.n) == (0.25, 4)
    indicator = next(i for i in SET.indicators if i.id == "praise_share")
    assert indicator.scale.score(0.25) == 2.5 and indicator.scale.score(0.8) == 5.0
    assert value("praise_share", [feedback_received(kind="idea")]).value is None


def test_praise_share_filtered_by_unit_leaves_out_unrouted_feedback():
    events = [feedback_received(kind="praise", unit="culture"), feedback_received(kind="praise"),
              feedback_received(kind="complaint", unit="culture")]
    assert value("praise_share", events, unit="culture").value == 0.5


def test_answered_on_time_share_counts_first_answers():
    assert_empty("answered_on_time_share")
    events = [feedback_answered(uid(), first_answer=True, on_time=True),
              feedback_answered(uid(), first_answer=True, on_time=False),
              feedback_answered(uid(), first_answer=False, on_time=False),  # a later answer
              feedback_answered(uid())]  # older events without the flags: not counted
    result = value("answered_on_time_share", events)
    assert (result.value, result.n) == (0.5, 2)


def test_returning_participants_share():
    assert_empty("returning_participants_share")
    p1, p2 = uid(), uid()
    anna, ben = pid(), pid()
    events = [participant_joined(p1, anna), participant_joined(p2, anna, days=200),
              participant_joined(p1, ben), participant_joined(p1, ben, days=1)]  # same project
    assert value("returning_participants_share", events).value == 0.5
    # Anna took part again later: she counts as returning in March too.
    assert value("returning_participants_share", events, period="2026-03").value == 0.5


# -- methods ----------------------------------------------------------------------------------
def test_method_variety_counts_distinct_methods_chosen_at_step_2():
    assert_empty("method_variety")
    events = [step_completed(uid(), 2, methods=["workshop", "map_survey"]),
              step_completed(uid(), 2, methods=["workshop"]),
              step_completed(uid(), 3, methods=["jury"])]  # not step 2
    result = value("method_variety", events)
    assert (result.value, result.n) == (2.0, 2)
    indicator = next(i for i in SET.indicators if i.id == "method_variety")
    assert indicator.scale.score(2.0) == 1.0
    assert value("method_variety", [step_completed(uid(), 2, methods=[])]).value == 0.0


def test_multi_method_share_with_a_reopened_step():
    assert_empty("multi_method_share")
    reopened, single = uid(), uid()
    events = [step_completed(reopened, 2, methods=["workshop"]),
              step_completed(reopened, 2, methods=["workshop", "jury"], revision=2),
              step_completed(single, 2, methods=["omalahti"])]
    result = value("multi_method_share", events)
    assert (result.value, result.n) == (0.5, 2)


def test_reach_coverage_of_areas_and_age_bands():
    assert_empty("reach_coverage")
    events = [application_submitted(area="keskusta", age_band="30-44"),
              application_submitted(area="keskusta", age_band="30-44"),
              application_submitted(area="itainen", age_band="75+")]
    result = value("reach_coverage", events)
    assert (result.value, result.n) == (round(2 / 24, 4), 3)
    # Filtered to one major area, the cells are that area's six age bands.
    assert value("reach_coverage", events, area="keskusta").value == round(1 / 6, 4)


def test_plain_language_invitations_share():
    assert_empty("plain_language_invitations_share")
    events = [step_completed(uid(), 3, plain_language=True),
              step_completed(uid(), 3, plain_language=False),
              step_completed(uid(), 3), step_completed(uid(), 4, plain_language=True)]
    assert value("plain_language_invitations_share", events).value == pytest.approx(1 / 3,
                                                                                    abs=1e-4)


def test_special_groups_share():
    assert_empty("special_groups_share")
    events = [step_completed(uid(), 3, special_groups=["young_people", "older_people"]),
              step_completed(uid(), 3, special_groups=[])]
    assert value("special_groups_share", events).value == 0.5


def test_plain_language_results_share():
    assert_empty("plain_language_results_share")
    events = [results_published(uid(), plain_language_summary="Selkokielellä: penkit."),
              results_published(uid(), plain_language_summary=""),
              results_published(uid())]
    assert value("plain_language_results_share", events).value == pytest.approx(1 / 3, abs=1e-4)


def test_every_default_indicator_has_a_test_of_its_values_and_of_no_events():
    source = Path(__file__).read_text()
    for indicator in SET.indicators:
        assert f'value("{indicator.id}", events' in source, indicator.id
        assert f'assert_empty("{indicator.id}")' in source, indicator.id


# -- scores and the radar ---------------------------------------------------------------------
def test_scale_is_linear_clamped_and_may_run_downwards():
    assert Scale(0, 1).score(0.5) == 2.5 and Scale(0, 1).score(2) == 5.0
    assert Scale(0, 1).score(-1) == 0.0 and Scale(0, 1).score(None) is None
    assert Scale(30, 3).score(16.5) == 2.5


def test_area_score_is_the_weighted_mean_of_indicators_with_a_value():
    assert area_score([]) is None
    assert area_score([(4.0, 1.0), (1.0, 2.0)]) == 2.0


def test_the_radar_lists_every_area_and_indicator_with_its_version():
    project = uid()
    events = [step_completed(project, 4), step_completed(project, 7),
              impact_communicated(project), feedback_received(kind="praise")]
    radar = compute_radar(SET, fetch_of(events), Filters(period="2026"))
    assert radar["indicator_set_version"] == "2026.1"
    assert radar["filters"] == {"period": "2026", "unit": None, "area": None}
    assert [a["id"] for a in radar["areas"]] == ["goals", "culture", "satisfaction", "methods"]
    goals = radar["areas"][0]
    rows = {r["id"]: r for r in goals["indicators"]}
    assert rows["impact_communicated_share"]["score"] == 5.0
    assert rows["feedback_answered_share"]["score"] == 0.0
    assert goals["score"] == 2.5  # the two with a value; the others have none
    assert radar["areas"][3]["score"] is None  # no method events at all
    assert rows["impact_communicated_share"]["reads"] == ["ProjectStepCompleted",
                                                          "ImpactCommunicated"]


def test_an_empty_radar_has_no_scores():
    radar = compute_radar(SET, fetch_of([]), Filters())
    assert all(a["score"] is None for a in radar["areas"])
    assert all(r["note"] == "no events" for a in radar["areas"] for r in a["indicators"])
