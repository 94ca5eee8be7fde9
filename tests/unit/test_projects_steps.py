"""The seven steps' required outputs, and how each kind of output is checked."""

import copy

import pytest

from services.common.errors import ValidationFailed
from services.projects import catalogue
from services.projects.steps import STEPS, step, validate_outputs

METHODS = catalogue.default().ids

# Complete, valid outputs of each step (also used by the other projects tests).
OUTPUTS = {
    1: {"goal": "Renew Kauppatori square with residents.",
        "input_wanted": "Wishes for greenery, seating and traffic.",
        "target_groups": ["residents of the centre", "market traders"]},
    2: {"methods": ["workshop", "map_survey"], "mode": "both", "starts_on": "2026-02-01",
        "ends_on": "2026-03-15",
        "sessions": [{"title": "Workshop", "starts_at": "2099-02-10T17:00",
                      "place": "City library", "capacity": 30}]},
    3: {"how_to_take_part": "Answer the map survey or come to the workshop.",
        "channels": ["omalahti", "posters"], "special_groups": ["older_people"],
        "plain_language": True, "languages": ["fi", "sv"]},
    4: {"sessions_held": [{"title": "Workshop", "held_on": "2026-02-10",
                           "participant_count": 31},
                          {"title": "Map survey", "held_on": "2026-03-15",
                           "participant_count": 112}],
        "statement_ids": ["0d3c2b1a-4e5f-4a6b-9c8d-7e6f5a4b3c2d"], "survey_answer_count": 112},
    5: {"results_summary": "143 took part; most wished for trees and benches.",
        "plain_language_summary": "143 ihmistä vastasi. Moni toivoi puita.",
        "next_steps": "The committee decides on the plan in May."},
    6: {"decision_body": "Urban environment committee", "decided_on": "2026-05-12",
        "reference": "§ 45", "taken_into_account": "The lindens stay; 40 benches are added."},
    7: {"impact_statement": "The plan keeps the lindens and adds 40 benches.",
        "plain_language_statement": "Puut jäävät. Tulee 40 penkkiä.",
        "participant_count": 143, "channels": ["messages_to_participants", "intranet"]},
}


def outputs(number: int, **changes) -> dict:
    result = copy.deepcopy(OUTPUTS[number])
    result.update(changes)
    return {k: v for k, v in result.items() if v is not None}


def reasons(number: int, payload) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate_outputs(number, payload, methods=METHODS)
    return refused.value.fields


@pytest.mark.parametrize("number", range(1, 8))
def test_the_example_outputs_of_every_step_are_accepted(number):
    assert validate_outputs(number, outputs(number), methods=METHODS)


@pytest.mark.parametrize("number", range(1, 8))
def test_each_missing_required_output_is_named_with_its_step(number):
    required = {f.name for f in step(number).fields if f.required}
    assert required, "every step asks for something"
    fields = reasons(number, {})
    assert set(fields) == required
    assert all(f"step {number} ({step(number).en})" in reason for reason in fields.values())


def test_blank_text_and_empty_lists_count_as_missing():
    fields = reasons(1, {"goal": "   ", "input_wanted": "x", "target_groups": ["", " "]})
    assert set(fields) == {"goal", "target_groups"}


@pytest.mark.parametrize("bad", [-1, 2.5, 3.0, "12", True, None])
def test_participant_counts_must_be_non_negative_whole_numbers(bad):
    held = [{"title": "Workshop", "held_on": "2026-02-10", "participant_count": bad}]
    fields = reasons(4, outputs(4, sessions_held=held))
    assert list(fields) == ["sessions_held[0].participant_count"]
    assert ("non-negative whole number" in fields["sessions_held[0].participant_count"]
            or "required" in fields["sessions_held[0].participant_count"])


def test_final_participant_count_must_be_a_non_negative_whole_number():
    assert "non-negative" in reasons(7, outputs(7, participant_count=-5))["participant_count"]
    assert validate_outputs(7, outputs(7, participant_count=0), methods=METHODS)[
        "participant_count"] == 0


def test_counts_of_linked_inputs_cover_the_ids_given():
    fields = reasons(4, outputs(4, statement_count=0))
    assert "at least the number of ids given (1)" in fields["statement_count"]


def test_methods_come_from_the_catalogue_and_choices_from_their_lists():
    fields = reasons(2, outputs(2, methods=["workshop", "seance"], mode="carrier_pigeon"))
    assert "seance" in fields["methods"] and "catalogue" in fields["methods"]
    assert "allowed values" in fields["mode"]
    assert "allowed values" in reasons(3, outputs(3, channels=["smoke_signals"]))["channels"]


def test_dates_times_languages_urls_and_flags_are_checked():
    fields = reasons(2, outputs(2, starts_on="1.2.2026", ends_on="2026-01-01",
                                sessions=[{"title": "W", "starts_at": "tomorrow"}]))
    assert set(fields) == {"starts_on", "sessions[0].starts_at"}
    assert "must not be before" in reasons(2, outputs(2, ends_on="2026-01-01"))["ends_on"]
    fields = reasons(3, outputs(3, languages=["finnish"], plain_language="yes"))
    assert set(fields) == {"languages", "plain_language"}
    assert "https://" in reasons(5, outputs(5, results_url="ftp://x"))["results_url"]


def test_unknown_outputs_and_non_objects_are_refused():
    assert reasons(1, outputs(1, colour="blue")) == {"colour": "unknown field"}
    assert "body" in reasons(1, ["goal"])
    assert reasons(2, outputs(2, sessions=[{"title": "W", "starts_at": "2026-02-10T17:00",
                                            "dj": "x"}])) == {"sessions[0].dj": "unknown field"}


def test_outputs_are_cleaned():
    cleaned = validate_outputs(1, outputs(1, goal="  Goal  ", target_groups=["a", " a ", "b"]),
                               methods=METHODS)
    assert cleaned["goal"] == "Goal" and cleaned["target_groups"] == ["a", "b"]


def test_steps_are_described_in_finnish_and_english_with_the_event_names():
    assert [s.key for s in STEPS] == ["clarify_goal", "choose_method", "invite", "run",
                                      "communicate_results", "decide", "communicate_impact"]
    for s in STEPS:
        assert s.fi and s.en and s.guidance
        assert all(f.fi and f.en for f in s.fields)
        assert s.as_dict()["fields"][0]["name"] == s.fields[0].name
