"""The method catalogue: the model's four ways to participate, as data that can be extended."""

import pytest

from services.projects import catalogue
from services.projects.catalogue import CatalogueError


def test_the_four_ways_of_the_model_with_finnish_and_english_names():
    default = catalogue.load()
    assert [w.id for w in default.ways] == ["feedback", "co_design", "decisions", "own_action"]
    assert all(w.fi and w.en for w in default.ways)
    served = default.as_dict()
    for way in served["ways"]:
        assert len(way["methods"]) >= 4, way["id"]
        assert all(m["fi"] and m["en"] for m in way["methods"])
    # Partnership tables belong to all four ways; a map survey to two.
    assert catalogue.load().method("partnership_table").ways == (
        "feedback", "co_design", "decisions", "own_action")
    assert set(default.method("map_survey").ways) == {"feedback", "co_design"}
    assert default.method("workshop").fi == "Työpaja"


def test_an_extension_file_adds_and_replaces_methods(tmp_path):
    extension = tmp_path / "more.yml"
    extension.write_text(
        "methods:\n"
        "  - {id: hackathon, ways: [co_design], fi: Hackathon, en: Hackathon, modes: [online]}\n"
        "  - {id: workshop, ways: [co_design], fi: Työpaja, en: Co-design workshop}\n",
        encoding="utf-8")
    extended = catalogue.load(str(extension))
    assert "hackathon" in extended.ids
    assert extended.method("workshop").en == "Co-design workshop"
    assert extended.method("workshop").modes == ("online", "face_to_face")  # the default
    assert len(extended.methods) == len(catalogue.load().methods) + 1


@pytest.mark.parametrize("entry, problem", [
    ("{id: x1, ways: [teleport], fi: A, en: B}", "ways"),
    ("{id: Bad-Id, ways: [feedback], fi: A, en: B}", "id"),
    ("{id: silent, ways: [feedback], fi: '', en: B}", "'fi'"),
    ("{id: beam, ways: [feedback], fi: A, en: B, modes: [telepathy]}", "modes"),
])
def test_a_broken_extension_is_refused_with_the_reason(tmp_path, entry, problem):
    extension = tmp_path / "broken.yml"
    extension.write_text(f"methods:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=problem):
        catalogue.load(str(extension))


def test_an_unreadable_extension_is_refused(tmp_path):
    with pytest.raises(CatalogueError):
        catalogue.load(str(tmp_path / "missing.yml"))
    (tmp_path / "list.yml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="mapping"):
        catalogue.load(str(tmp_path / "list.yml"))
