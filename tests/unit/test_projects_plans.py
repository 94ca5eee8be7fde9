"""Units' participation plans in their annual clock: planned by month, against what was done."""

from datetime import UTC, datetime

import pytest

from services.common.errors import ValidationFailed
from services.projects import catalogue, plans
from services.projects.domain import create
from tests.unit.test_projects_steps import outputs

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
METHODS = catalogue.default().ids


def project(title, starts_on, completions):
    p = create({"title": title, "unit": "culture", "areas": ["keskusta"],
                "starts_on": starts_on, "ends_on": "2026-12-31"}, now=NOW, by="anna",
               default_unit=None)
    for number, when in enumerate(completions, start=1):
        p.complete(number, outputs(number), by="anna", now=when, methods=METHODS)
    return p


def test_a_plan_is_validated_entry_by_entry():
    with pytest.raises(ValidationFailed) as refused:
        plans.save("culture", 2026, {"entries": [
            {"month": 13, "title": "x"}, {"month": 2, "title": "", "method": "seance"},
            {"month": True, "title": "y", "project_id": "nope", "budget": 3}]},
            methods=METHODS, now=NOW, by="anna")
    assert set(refused.value.fields) == {
        "entries[0].month", "entries[1].title", "entries[1].method", "entries[2].month",
        "entries[2].project_id", "entries[2].budget"}
    with pytest.raises(ValidationFailed, match="entries"):
        plans.save("culture", 2026, {"entries": []}, methods=METHODS, now=NOW, by="anna")
    with pytest.raises(ValidationFailed) as refused:
        plans.check_key("Culture Dept", "26")
    assert set(refused.value.fields) == {"unit", "year"}


def test_saving_a_plan_records_what_evaluation_needs():
    plan = plans.save("culture", 2026, {"entries": [
        {"month": 9, "title": "Library survey", "method": "resident_survey"},
        {"month": 3, "title": "Museum workshop", "method": "workshop"},
        {"month": 5, "title": "Open day"}]}, methods=METHODS, now=NOW, by="anna")
    assert [e["month"] for e in plan.entries] == [3, 5, 9]
    assert plan.id == "culture:2026"
    assert plan.events == [("ParticipationPlanSaved", {
        "unit": "culture", "year": 2026, "planned_count": 3,
        "methods": ["resident_survey", "workshop"], "saved_at": "2026-01-10T09:00:00Z"})]


def test_the_annual_clock_shows_the_plan_against_what_was_done():
    march = datetime(2026, 3, 5, 12, tzinfo=UTC)
    # 31 May 22:30 UTC is already June in Lahti.
    june = datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
    planned = project("Museum workshop", "2026-03-01", [march, march, june])
    unplanned = project("Pop-up library", "2026-06-10", [june])
    old = project("Last year's survey", "2025-05-01", [datetime(2025, 6, 1, tzinfo=UTC)])
    plan = plans.save("culture", 2026, {"entries": [
        {"month": 3, "title": "Museum workshop", "method": "workshop",
         "project_id": planned.id},
        {"month": 9, "title": "Library survey"}]}, methods=METHODS, now=NOW, by="anna")
    clock = plans.annual_clock("culture", 2026, plan, [planned, unplanned, old])
    march_row, june_row = clock["months"][2], clock["months"][5]
    assert march_row["planned"][0]["status"] == "at step 4: Run the participation"
    assert [d["step"] for d in march_row["done"]] == [1, 2]
    assert [(d["title"], d["step"]) for d in june_row["done"]] == [
        ("Museum workshop", 3), ("Pop-up library", 1)]
    assert march_row["started"] == [{"project_id": planned.id, "title": "Museum workshop"}]
    assert clock["months"][8]["planned"][0]["status"] is None
    summary = clock["summary"]
    assert summary == {"planned": 2, "planned_and_linked": 1, "projects_active": 2,
                       "steps_completed": 4, "projects_finished": 0,
                       "unplanned_projects": [{"project_id": unplanned.id,
                                               "title": "Pop-up library"}]}


def test_a_unit_without_a_plan_still_sees_what_it_did():
    done = project("Pop-up library", "2026-06-10", [NOW])
    clock = plans.annual_clock("culture", 2026, None, [done])
    assert clock["plan"] is None and clock["summary"]["planned"] == 0
    assert clock["summary"]["unplanned_projects"][0]["title"] == "Pop-up library"
