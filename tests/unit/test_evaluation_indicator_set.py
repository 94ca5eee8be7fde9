"""The indicator set as data: the shipped versions are valid and complete, and a mistake in a
file is reported with its place (all of them at once) instead of a broken radar."""

import copy

import pytest
import yaml

from services.cli import main as kuultu
from services.common.schemas import default_registry
from services.evaluation.indicator_set import (
    RADAR_AREAS,
    IndicatorSetInvalid,
    available,
    load_dir,
    load_file,
    parse,
    sets_dir,
)

SHIPPED = sets_dir() / "2026.1.yml"


def raw_set() -> dict:
    return yaml.safe_load(SHIPPED.read_text())


def errors_of(raw) -> list[str]:
    with pytest.raises(IndicatorSetInvalid) as caught:
        parse(raw, "test")
    return caught.value.errors


def test_every_shipped_set_is_valid_with_at_least_three_indicators_per_area():
    sets = available()
    assert "2026.1" in sets and list(sets)[-1] == max(sets, key=lambda v: tuple(
        int(p) for p in v.split(".")))
    events = {spec.name for spec in default_registry().specs}
    for indicator_set in sets.values():
        for area in RADAR_AREAS:
            assert len(indicator_set.in_area(area)) >= 3, (indicator_set.version, area)
        for indicator in indicator_set.indicators:
            assert indicator.name["fi"] and indicator.name["en"]
            assert set(indicator.reads) <= events, indicator.id  # computed from real events


def test_the_set_as_data_names_what_each_indicator_reads_and_how():
    shown = available()["2026.1"].as_dict()
    assert [a["id"] for a in shown["areas"]] == list(RADAR_AREAS)
    first = shown["areas"][0]["indicators"][0]
    assert first["id"] == "impact_communicated_share" and first["kind"] == "share"
    assert first["reads"] == ["ProjectStepCompleted", "ImpactCommunicated"]
    assert first["scale"] == {"zero": 0.0, "five": 1.0}


def test_mistakes_are_reported_together_with_their_place():
    raw = raw_set()
    first, second, third = raw["indicators"][:3]
    del first["name"]["fi"]
    second["area"] = "happiness"
    third["computation"]["of"]["events"] = ["FeedbackGiven"]
    raw["indicators"][3]["computation"]["having"] = []
    errors = errors_of(raw)
    assert any("impact_communicated_share.name" in e and "fi, en" in e for e in errors)
    assert any("participants_told_impact_share.area" in e for e in errors)
    assert any("FeedbackGiven" in e for e in errors)
    assert any("statements_answered_share.computation.having" in e for e in errors)


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["indicators"][0]["computation"].update(havin=[]), "havin: unknown setting"),
    (lambda r: r["indicators"][0]["computation"]["of"].update(where={"step": {"about": 4}}),
     "use one operator"),
    (lambda r: r["indicators"][0]["computation"]["of"].update(where={"step": {"gte": "4"}}),
     "gte takes a number"),
    (lambda r: r["indicators"][0].update(scale={"zero": 1, "five": 1}), "must differ"),
    (lambda r: r["indicators"][0].update(min_n=0), "min_n"),
    (lambda r: r["indicators"][1].update(id=r["indicators"][0]["id"]), "used twice"),
    (lambda r: r["indicators"][0]["computation"].update(kind="sum"), "must be one of"),
    (lambda r: r["indicators"][0]["computation"].update(field="score"), "not used by share"),
    (lambda r: r.update(version="next"), "version"),
    (lambda r: r["areas"].pop("methods"), "exactly the four areas"),
    (lambda r: r.update(indicators=[i for i in r["indicators"] if i["area"] != "culture"]),
     "areas.culture: has no indicator"),
])
def test_each_kind_of_mistake_is_refused(change, expected):
    raw = copy.deepcopy(raw_set())
    change(raw)
    assert any(expected in e for e in errors_of(raw)), errors_of(raw)


def test_the_version_must_match_the_file_name_and_yaml_must_parse(tmp_path):
    (tmp_path / "2027.1.yml").write_text(SHIPPED.read_text())  # says 2026.1 inside
    with pytest.raises(IndicatorSetInvalid, match="must match the file name"):
        load_file(tmp_path / "2027.1.yml")
    (tmp_path / "2027.2.yml").write_text("version: [unclosed")
    with pytest.raises(IndicatorSetInvalid, match="not valid YAML"):
        load_file(tmp_path / "2027.2.yml")
    with pytest.raises(IndicatorSetInvalid, match="no indicator set"):
        load_dir(tmp_path / "empty")


def test_a_new_version_is_the_default_and_the_old_stays(tmp_path):
    raw = raw_set()
    raw["version"] = "2027.1"
    raw["indicators"] = [i for i in raw["indicators"] if i["id"] != "praise_share"]
    (tmp_path / "2027.1.yml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    (tmp_path / "2026.1.yml").write_text(SHIPPED.read_text())
    sets = load_dir(tmp_path)
    assert list(sets) == ["2026.1", "2027.1"]
    assert len(sets["2027.1"].indicators) == len(sets["2026.1"].indicators) - 1


def test_the_check_command_says_what_is_wrong(tmp_path, capsys):
    assert kuultu(["evaluation", "check"]) == 0
    assert "2026.1.yml: ok" in capsys.readouterr().out
    broken = raw_set()
    broken["indicators"][0]["area"] = "vibes"
    path = tmp_path / "2026.1.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True))
    assert kuultu(["evaluation", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "impact_communicated_share.area" in out

