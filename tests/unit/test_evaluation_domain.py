"""Comprehensive evaluations and the radar's filters: the rules, without any store."""

from datetime import UTC, datetime

import pytest

from services.common.errors import Conflict, ValidationFailed
from services.evaluation import domain
from services.evaluation.computations import Filters

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
VERSIONS = ["2026.1", "2027.1"]
RADAR = {"areas": [{"id": a, "score": s} for a, s in
                   (("goals", 3.2), ("culture", None), ("satisfaction", 4.0),
                    ("methods", 1.5))]}


def new(**payload):
    return domain.create({"period": "2026", **payload}, now=NOW, actor_id="eva",
                         versions=VERSIONS)


def test_filters_are_checked_one_reason_each():
    assert domain.parse_filters({}) == Filters()
    assert domain.parse_filters({"period": "2026-11", "unit": "urban-environment",
                                 "area": "itainen"}) == Filters("2026-11", "urban-environment",
                                                                "itainen")
    with pytest.raises(ValidationFailed) as caught:
        domain.parse_filters({"period": "2026-13", "unit": "=cmd()", "area": "mars"})
    assert set(caught.value.fields) == {"period", "unit", "area"}
    with pytest.raises(ValidationFailed):
        domain.parse_language({"lang": "sv"})


def test_an_evaluation_keeps_the_newest_set_version_unless_one_is_named():
    assert new().indicator_set_version == "2027.1"
    evaluation = new(indicator_set_version="2026.1", title="  Arviointi 2026 ")
    assert evaluation.indicator_set_version == "2026.1" and evaluation.title == "Arviointi 2026"
    assert evaluation.status == "draft" and evaluation.created_by == "eva"
    assert new().title == "Comprehensive evaluation 2026"


def test_bad_creation_gets_a_reason_per_field():
    with pytest.raises(ValidationFailed) as caught:
        domain.create({"period": "last year", "indicator_set_version": "1999.1",
                       "title": "x" * 201, "scores": {}}, now=NOW, actor_id="eva",
                      versions=VERSIONS)
    assert set(caught.value.fields) == {"period", "indicator_set_version", "title", "scores"}


def test_expert_assessments_are_scores_from_0_to_5_with_a_note():
    evaluation = new()
    domain.assess(evaluation, "goals", {"score": 3.456, "note": " Hyvä "}, now=NOW,
                  actor_id="eva")
    assert evaluation.assessments["goals"] == {"score": 3.46, "note": "Hyvä", "by": "eva",
                                               "at": "2027-02-01T09:00:00Z"}
    domain.assess(evaluation, "goals", {"score": 0}, now=NOW, actor_id="ole")  # revised
    assert evaluation.assessments["goals"]["score"] == 0.0
    for bad in ({"score": 5.5}, {"score": -1}, {"score": True}, {"score": "4"}, {},
                {"score": 3, "note": "x" * 4001}, {"score": 3, "mood": "good"}):
        with pytest.raises(ValidationFailed):
            domain.assess(evaluation, "culture", bad, now=NOW, actor_id="eva")
    with pytest.raises(ValidationFailed):
        domain.assess(evaluation, "happiness", {"score": 3}, now=NOW, actor_id="eva")


def test_publishing_needs_every_area_assessed_and_freezes_the_radar():
    evaluation = new()
    domain.assess(evaluation, "goals", {"score": 3}, now=NOW, actor_id="eva")
    with pytest.raises(ValidationFailed) as caught:
        domain.publish(evaluation, RADAR, now=NOW, actor_id="eva")
    assert set(caught.value.fields) == {"assessments.culture", "assessments.satisfaction",
                                        "assessments.methods"}
    for area in ("culture", "satisfaction", "methods"):
        domain.assess(evaluation, area, {"score": 2.5, "note": "Muistiinpano"}, now=NOW,
                      actor_id="eva")
    domain.publish(evaluation, RADAR, now=NOW, actor_id="ole")
    assert evaluation.status == "published" and evaluation.radar is RADAR
    [(name, data)] = evaluation.events
    assert name == "EvaluationPublished"
    assert data["scores"] == {"goals": 3.2, "culture": None, "satisfaction": 4.0,
                              "methods": 1.5}
    assert data["expert_scores"] == {"goals": 3.0, "culture": 2.5, "satisfaction": 2.5,
                                     "methods": 2.5}
    assert "Muistiinpano" not in str(data)  # notes stay in the service
    with pytest.raises(Conflict):
        domain.assess(evaluation, "goals", {"score": 5}, now=NOW, actor_id="eva")
    with pytest.raises(Conflict):
        domain.publish(evaluation, RADAR, now=NOW, actor_id="eva")
