"""The radar drawn as SVG on the server, and exported as CSV."""

import csv
import io
import xml.etree.ElementTree as ET

from services.evaluation import chart, export
from services.evaluation.computations import Filters
from services.evaluation.indicator_set import available
from services.evaluation.radar import compute_radar

SVG = "{http://www.w3.org/2000/svg}"


def radar(scores: dict, **filters) -> dict:
    base = compute_radar(available()["2026.1"], lambda name, period: [], Filters(**filters))
    for area in base["areas"]:
        area["score"] = scores.get(area["id"])
    return base


def test_the_chart_is_accessible_svg_with_every_score_in_its_description():
    drawing = chart.render(radar({"goals": 5.0, "culture": 2.5, "satisfaction": None,
                                  "methods": 1.0}, period="2026"))
    root = ET.fromstring(drawing)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "radar-title radar-desc"
    title = root.find(f"{SVG}title").text
    desc = root.find(f"{SVG}desc").text
    assert "period 2026" in title and "indicator set 2026.1" in title
    assert "Top-level goals and promises: automatic 5.0 of 5" in desc
    assert "Satisfaction with services: automatic no data of 5" in desc
    automatic = root.findall(f"{SVG}polygon")[-1]
    # goals (5) at the top of the axis, culture (2.5) half way right, no data at the centre
    assert automatic.get("points").split() == [
        f"{chart.CX}.0,{chart.CY - chart.R}.0", f"{chart.CX + chart.R / 2},{chart.CY}.0",
        f"{chart.CX}.0,{chart.CY}.0", f"{chart.CX - chart.R / 5},{chart.CY}.0"]
    assert len(root.findall(f"{SVG}circle")) == 3  # a marker for each score there is


def test_the_expert_view_is_drawn_beside_the_automatic_one():
    drawing = chart.render(radar({"goals": 3.0}), "fi",
                           expert={"goals": 4.0, "culture": 2.0, "satisfaction": 3.0,
                                   "methods": 1.0})
    root = ET.fromstring(drawing)
    assert root.get("lang") == "fi"
    assert len(root.findall(f"{SVG}polygon")) == 5 + 2  # rings, automatic, expert
    assert any(p.get("stroke-dasharray") for p in root.findall(f"{SVG}polygon"))
    desc = root.find(f"{SVG}desc").text
    assert "Ylätason tavoitteet ja lupaukset: automaattinen 3.0, asiantuntija 4.0 / 5" in desc
    assert "Asiantuntija-arvio" in drawing


def test_the_chart_uses_no_styles_or_scripts_and_escapes_text():
    data = radar({"goals": 1.0}, unit="a&b")
    data["areas"][0]["name"]["en"] = "<script>alert(1)</script> & more"
    drawing = chart.render(data)
    texts = "".join(ET.fromstring(drawing).itertext())  # still well-formed
    assert "<script>alert(1)</script> & more" in texts
    assert "<script" not in drawing and "style=" not in drawing
    assert "unit a&amp;b" in drawing


def test_the_csv_has_one_row_per_indicator_with_the_filters():
    data = radar({"goals": 2.5}, period="2026-11", area="itainen")
    data["areas"][0]["indicators"][0].update(value=0.5, n=4, score=2.5, note=None)
    rows = list(csv.DictReader(io.StringIO(export.radar_csv(data, "fi"))))
    assert len(rows) == len(available()["2026.1"].indicators)
    first = rows[0]
    assert first["indicator"] == "impact_communicated_share"
    assert first["indicator_name"] == "Vaikutuksista viestineet hankkeet"
    assert (first["period"], first["major_area"], first["radar_area_score"]) == (
        "2026-11", "itainen", "2.5")
    assert (first["value"], first["n"], first["score"]) == ("0.5", "4", "2.5")
    assert rows[1]["value"] == "" and rows[1]["note"] == "no events"
    assert export.filename(data, "csv") == "radar-2026-11-itainen-2026.1.csv"
