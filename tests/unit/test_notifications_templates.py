"""Every template in every language variant, with the unsubscribe link in every message."""

import json

import pytest

from services.common.schemas import schemas_dir
from services.notifications import templates
from services.notifications.domain import VARIANTS

BASE = "https://kuultu.lahti.fi"
EXTRA = {"public_url": BASE, "unsubscribe_url": f"{BASE}/notifications/unsubscribe/TOKEN"}


def example(name: str) -> dict:
    path = schemas_dir() / "events" / name / "v1.example.json"
    return json.loads(path.read_text())["data"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", templates.names())
def test_every_template_renders_in_every_variant_with_an_unsubscribe_link(name, variant):
    rendered = templates.preview(name, variant, BASE)
    assert rendered.variant == variant
    for text in (rendered.subject, rendered.body, rendered.sms):
        assert text.strip() and "{{" not in text and "{%" not in text and "None" not in text
    assert "\n" not in rendered.subject
    assert f"{BASE}/notifications/unsubscribe/EXAMPLE-TOKEN" in rendered.body
    assert f"{BASE}/notifications/unsubscribe/EXAMPLE-TOKEN" in rendered.sms


def test_each_language_gets_its_own_words():
    data = example("ImpactCommunicated")
    bodies = {v: templates.render("impact_communicated", v, data, EXTRA).body for v in VARIANTS}
    assert "Kiitos" in bodies["fi"] and "Tack" in bodies["sv"] and "Thank you" in bodies["en"]
    assert len(set(bodies.values())) == 4


def test_plain_language_uses_the_plain_text_of_the_city_when_there_is_one():
    data = example("ImpactCommunicated")
    plain = templates.render("impact_communicated", "fi-plain", data, EXTRA)
    standard = templates.render("impact_communicated", "fi", data, EXTRA)
    assert data["plain_language_statement"] in plain.body
    assert data["impact_statement"] not in plain.body
    assert data["impact_statement"] in standard.body
    without = {**data, "plain_language_statement": None}
    assert data["impact_statement"] in templates.render(
        "impact_communicated", "fi-plain", without, EXTRA).body


def test_dates_are_written_the_local_way():
    data = {**example("ResultsPublished"), "published_at": "2026-10-19T22:30:00Z"}
    # 22:30 UTC is already the 20th in Lahti.
    assert "20.10.2026" in templates.render("results_published", "fi", data, EXTRA).body
    assert "20 October 2026" in templates.render("results_published", "en", data, EXTRA).body


def test_a_title_with_line_breaks_cannot_break_the_subject_header():
    data = {**example("ResultsPublished"), "title": "Torin\r\nBcc: someone@example.com"}
    subject = templates.render("results_published", "en", data, EXTRA).subject
    assert "\n" not in subject and "\r" not in subject


def test_decisions_are_told_as_they_were_made():
    data = example("ApplicationDecided")
    texts = {d: templates.render("application_decided", "en", {**data, "decision": d,
                                                               "reserve_rank": 2}, EXTRA).body
             for d in ("selected", "reserve", "not_selected")}
    assert "selected as a member" in texts["selected"]
    assert "reserve place 2" in texts["reserve"]
    assert "not selected" in texts["not_selected"]


def test_the_answer_text_is_included_when_it_was_handed_over():
    data = example("FeedbackAnswered")
    with_text = templates.render("feedback_answered", "fi", data,
                                 {**EXTRA, "answer_text": "Penkit tulevat keväällä."})
    without = templates.render("feedback_answered", "fi", data, EXTRA)
    assert "Penkit tulevat keväällä." in with_text.body
    assert "Vastauksemme" not in without.body and f"{BASE}/feedback/receipt" in without.body


def test_area_updates_name_the_subscribed_areas_the_news_concerns():
    data = {**example("ResultsPublished"), "areas": ["keskusta", "itainen"]}
    rendered = templates.render("area_update", "sv", data,
                                {**EXTRA, "areas": ["itainen", "pohjoinen"], "topics": []})
    assert "Östra området" in rendered.body
    assert "Norra" not in rendered.body and "Centrum" not in rendered.body


def test_an_incomplete_template_file_is_refused(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("fi: {subject: a, body: b, sms: c}\nsv: {subject: a, body: b}\n")
    with pytest.raises(templates.TemplateError, match="sv lacks sms"):
        templates._compile(broken, templates.PARTS)


def test_unknown_templates_are_refused():
    with pytest.raises(templates.TemplateError):
        templates.load("_footer")
    with pytest.raises(templates.TemplateError):
        templates.load("no_such_template")
