"""Open311 GeoReport v2: the mapping of feedback to and from the spec, and its wire format."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from services.common.errors import NotFound, ValidationFailed
from services.feedback import domain, open311
from services.gateway.clients import Reply
from services.gateway.routes.open311 import spec_errors, to_xml

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TIMES = domain.AnswerTimes(default_days=14, by_unit={"libraries": 5})
FORM = {"api_key": "o311-x", "jurisdiction_id": "lahti.fi", "service_code": "complaint",
        "description": "Katuvalo rikki", "lat": "60.9827", "long": "25.6615",
        "attribute[area]": "itainen", "attribute[district]": "Liipola"}


def test_every_kind_is_a_realtime_service_with_attributes_in_three_languages():
    for locale in open311.LOCALES:
        services = open311.services(locale)
        assert [s["service_code"] for s in services] == list(domain.KINDS)
        assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    assert open311.services("sv")[6]["service_name"] == "Invånarinitiativ"
    assert open311.locale_of("en_GB") == "en" and open311.locale_of("de") == "fi"
    assert open311.locale_of(None) == "fi"


def test_service_definition_lists_the_areas_and_unknown_codes_are_404():
    definition = open311.definition("idea", "en")
    area = definition["attributes"][0]
    assert (area["code"], area["datatype"], area["required"], area["order"]) == (
        "area", "singlevaluelist", True, 1)
    assert [v["key"] for v in area["values"]] == ["keskusta", "itainen", "etelainen", "pohjoinen"]
    orders = [a["order"] for a in definition["attributes"]]
    assert orders == sorted(set(orders))
    assert not any(a["required"] for a in definition["attributes"][1:])
    with pytest.raises(NotFound):
        open311.definition("pothole", "en")


def test_a_spec_form_becomes_a_feedback_submission():
    payload, reasons = open311.submission(FORM)
    assert reasons == {}
    assert payload == {"kind": "complaint", "text": "Katuvalo rikki", "channel": "e_feedback",
                       "area": "itainen", "district": "Liipola", "latitude": 60.9827,
                       "longitude": 25.6615}
    feedback = domain.submit(payload, now=NOW, open311_client="Lahti app")
    assert feedback.open311_client == "Lahti app" and feedback.has_location
    json_style, _ = open311.submission({"service_code": "idea", "description": "x",
                                        "attribute": {"area": "keskusta"},
                                        "address_string": "Aleksanterinkatu 1, Lahti"})
    assert json_style["area"] == "keskusta"
    assert json_style["address"] == "Aleksanterinkatu 1, Lahti"


def test_form_errors_are_named_as_the_client_sent_them():
    with pytest.raises(ValidationFailed) as caught:
        open311.submission({"api_key": "k"})
    assert set(caught.value.fields) == {"service_code"}
    with pytest.raises(NotFound):
        open311.submission({"service_code": "pothole"})
    payload, reasons = open311.submission({"service_code": "idea", "lat": "north",
                                           "attribute[colour]": "red"})
    assert set(reasons) == {"lat", "attribute[colour]"}
    with pytest.raises(ValidationFailed) as caught:
        domain.submit(payload, now=NOW)
    wire = open311.wire_names(caught.value.fields)
    assert {"description", "attribute[area]"} <= set(wire)
    assert "text" not in wire and "area" not in wire


def test_statuses_map_to_open_and_closed_and_status_notes_carry_the_public_answer():
    feedback = domain.submit({"text": "Valitus", "kind": "complaint", "area": "itainen",
                              "address": "Kotikatu 5"}, now=NOW)
    view = open311.request_view(feedback, TIMES, "fi")
    assert view["status"] == "open" and view["status_notes"] is None
    assert view["service_name"] == "Valitus"
    assert view["requested_datetime"] == "2026-11-29T12:00:00Z"
    assert view["expected_datetime"] == "2026-12-13T12:00:00Z"
    # The resident's words and whereabouts are never published.
    assert view["description"] is None and view["address"] is None and view["lat"] is None
    feedback.assign("libraries", actor="sari", now=NOW)
    assert open311.request_view(feedback, TIMES, "en")["status"] == "open"
    feedback.answer("Korjattu.", True, actor="sari", actor_unit=None,
                    now=NOW + timedelta(days=2), times=TIMES)
    view = open311.request_view(feedback, TIMES, "en")
    assert (view["status"], view["status_notes"], view["agency_responsible"]) == (
        "closed", "Korjattu.", "libraries")
    assert view["updated_datetime"] == "2026-12-01T12:00:00Z"
    assert view["expected_datetime"] == "2026-12-04T12:00:00Z"
    duplicate = domain.submit({"text": "Sama", "kind": "complaint", "area": "itainen"}, now=NOW)
    duplicate.mark_duplicate(feedback, actor="sari", now=NOW)
    assert open311.request_view(duplicate, TIMES, "en", feedback)["status_notes"] == "Korjattu."
    assert open311.status_notes(duplicate, None) == f"Duplicate of request {feedback.id}."


def test_get_requests_filters_follow_the_spec():
    default = open311.request_filters({}, NOW)
    assert (default["start"], default["end"]) == (NOW - timedelta(days=90), NOW)
    filters = open311.request_filters({"service_code": "idea,complaint", "status": "open",
                                       "start_date": "2026-11-01T00:00:00 02:00"}, NOW)
    assert filters["kinds"] == ["idea", "complaint"]
    assert filters["statuses"] == ["received", "in_progress"]
    assert filters["start"] == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    assert filters["end"] == filters["start"] + timedelta(days=90)
    assert open311.request_filters({"status": "closed"}, NOW)["statuses"] == ["answered", "closed"]
    ids = open311.request_filters({"service_request_id": "a, b", "status": "bogus"}, NOW)
    assert ids == {"ids": ["a", "b"]}  # overrides every other argument
    with pytest.raises(ValidationFailed) as caught:
        open311.request_filters({"status": "pending", "service_code": "pothole",
                                 "start_date": "yesterday"}, NOW)
    assert set(caught.value.fields) == {"status", "service_code", "start_date"}
    with pytest.raises(ValidationFailed) as caught:
        open311.request_filters({"start_date": "2026-01-01T00:00:00Z",
                                 "end_date": "2026-06-01T00:00:00Z"}, NOW)
    assert "90 days" in caught.value.fields["end_date"]
    with pytest.raises(ValidationFailed):
        open311.request_filters({"start_date": "2026-11-10T00:00:00Z",
                                 "end_date": "2026-11-01T00:00:00Z"}, NOW)


def test_xml_follows_the_spark_convention_of_the_json():
    data = [{"service_code": "idea", "metadata": True, "group": None,
             "attributes": [{"code": "area", "values": [{"key": "keskusta", "name": "Ä & <b>"}]}]}]
    document = to_xml("services", data)
    assert document.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services><service>')
    root = ElementTree.fromstring(document)
    service = root.find("service")
    assert service.findtext("metadata") == "true"
    assert service.find("group") is not None and service.findtext("group") == ""  # null: empty
    value = service.find("attributes/attribute/values/value")
    assert value.findtext("key") == "keskusta" and value.findtext("name") == "Ä & <b>"
    assert b"&amp; &lt;b&gt;" in document  # escaped, never raw markup
    assert ElementTree.fromstring(to_xml("errors", [{"code": 400, "description": "bad\x0b"}]))\
        .findtext("error/description") == "bad"  # characters XML cannot hold are dropped
    discovery = ElementTree.fromstring(to_xml("discovery", open311.discovery(
        "https://kuultu.lahti.fi/open311/v2", "c", "k", "production")))
    assert [f.text for f in discovery.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"]


def test_service_refusals_become_spec_errors():
    reasons = Reply(422, {"error": "validation_failed", "message": "m",
                          "fields": {"description": "is required", "lat": "bad"}})
    assert spec_errors(reasons) == (400, [{"code": 400, "description": "description: is required"},
                                          {"code": 400, "description": "lat: bad"}])
    assert spec_errors(Reply(403, {"message": "api_key is missing"})) == (
        403, [{"code": 403, "description": "api_key is missing"}])
    assert spec_errors(Reply(404, {"message": "gone"}))[0] == 404
    assert spec_errors(Reply(409, {"message": "clash"}))[0] == 400
    assert spec_errors(Reply(503, {"message": "away"}))[0] == 503
