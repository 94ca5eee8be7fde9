"""Open311 GeoReport v2 through the gateway on real Kafka and FerretDB, spoken exactly as a
standard client does: form-encoded POSTs with jurisdiction_id, JSON arrays and schemaless
XML by suffix, errors as errors[]{code, description}."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pymongo
import pytest

from services.gateway import dev_issuer
from tests.integration.conftest import MONGO_URI, PORTS

OPEN311 = f"http://127.0.0.1:{PORTS['gateway']}/open311/v2"
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def admin() -> dict[str, str]:
    return {"authorization": f"Bearer {dev_issuer.mint('admin')}"}


def client_address() -> dict[str, str]:
    return {"x-forwarded-for": f"10.31.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


@pytest.fixture(scope="module")
def api_key(platform) -> str:
    created = httpx.post(f"http://127.0.0.1:{PORTS['gateway']}/api/v1/admin/open311-keys",
                         headers=admin(), json={"name": f"Integration client {uuid.uuid4()}"})
    assert created.status_code == 201, created.text
    return created.json()["api_key"]


def post(fields: dict, fmt: str = "json") -> httpx.Response:
    """Exactly what a spec client sends: an url-encoded form body."""
    return httpx.post(f"{OPEN311}/requests.{fmt}", content=urlencode(fields).encode(),
                      headers={**FORM_TYPE, **client_address()})


def xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def report(key: str, **extra) -> dict:
    return {"api_key": key, "jurisdiction_id": "lahti.fi", "service_code": "complaint",
            "lat": "60.9827", "long": "25.6615", "address_string": "Vesijärvenkatu 1, Lahti",
            "description": "Katuvalo on ollut rikki viikon.", "attribute[area]": "keskusta",
            **extra}


def test_discovery_and_services_in_json_and_xml(platform):
    discovery = httpx.get(f"{OPEN311}/discovery.json").json()
    endpoint, = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == OPEN311 and "text/xml" in endpoint["formats"]
    assert xml(httpx.get(f"{OPEN311}/discovery.xml")).findtext("endpoints/endpoint/url") == OPEN311

    services = httpx.get(f"{OPEN311}/services.json", params={"jurisdiction_id": "lahti.fi"})
    assert services.headers["content-type"] == "application/json; charset=utf-8"
    assert [s["service_code"] for s in services.json()] == [
        "feedback", "idea", "experience", "question", "praise", "complaint", "initiative"]
    root = xml(httpx.get(f"{OPEN311}/services.xml", params={"locale": "en"}))
    assert root.tag == "services" and len(root.findall("service")) == 7
    assert root.find("service[service_code='initiative']").findtext("service_name") == \
        "Citizens' initiative"

    definition = httpx.get(f"{OPEN311}/services/complaint.json").json()
    assert definition["service_code"] == "complaint"
    area = definition["attributes"][0]
    assert area["code"] == "area" and area["required"] is True
    root = xml(httpx.get(f"{OPEN311}/services/complaint.xml"))
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "keskusta", "itainen", "etelainen", "pohjoinen"]
    missing = httpx.get(f"{OPEN311}/services/pothole.xml")
    assert missing.status_code == 404 and xml(missing).findtext("error/code") == "404"
    assert httpx.get(f"{OPEN311}/services.yaml").status_code == 404


def test_posting_needs_a_valid_api_key(platform, api_key):
    without = post(report(api_key, api_key=""))
    assert without.status_code == 403
    assert without.json()[0]["code"] == 403 and "api_key" in without.json()[0]["description"]
    wrong = post(report(api_key, api_key="o311-" + "x" * 43), "xml")
    assert wrong.status_code == 403 and xml(wrong).findtext("error/code") == "403"


def test_a_request_is_created_followed_and_answered(platform, api_key):
    email = f"o311-{uuid.uuid4().hex[:8]}@example.fi"
    created = post(report(api_key, email=email, first_name="Matti", last_name="Meikäläinen",
                          device_id="device-123", account_id="acct-9",
                          **{"attribute[district]": "Keski-Lahti"}))
    assert created.status_code == 200, created.text
    answer, = created.json()
    request_id, token = answer["service_request_id"], answer["token"]
    assert answer["account_id"] is None and "KL-" in answer["service_notice"]

    # Names, device and account ids are kept nowhere; the e-mail only in notifications.
    mongo = pymongo.MongoClient(MONGO_URI, retryWrites=False)
    try:
        stored = mongo["kuultu_feedback"]["feedback"].find_one({"_id": request_id})
        contact = mongo["kuultu_notifications"]["contacts"].find_one(
            {"_id": stored["participant_id"]})
    finally:
        mongo.close()
    assert stored["open311_client"].startswith("Integration client")
    assert contact["email"] == email
    for private in ("Matti", "Meikäläinen", "device-123", "acct-9", email):
        assert private not in json.dumps(stored, default=str, ensure_ascii=False)
    assert "Matti" not in json.dumps(contact, default=str, ensure_ascii=False)

    by_token = httpx.get(f"{OPEN311}/tokens/{token}.json", params={"jurisdiction_id": "lahti.fi"})
    assert by_token.json() == [{"service_request_id": request_id, "token": token}]
    root = xml(httpx.get(f"{OPEN311}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == request_id
    unknown = httpx.get(f"{OPEN311}/tokens/{uuid.uuid4().hex}.xml")
    assert unknown.status_code == 404 and xml(unknown).tag == "errors"

    one, = httpx.get(f"{OPEN311}/requests/{request_id}.json").json()
    assert (one["status"], one["status_notes"], one["service_code"]) == ("open", None, "complaint")
    assert one["description"] is None and one["lat"] is None  # the resident's words stay private

    staff = {"authorization": f"Bearer {dev_issuer.mint('staff', unit='urban-environment')}"}
    answer_text = "Katuvalo korjattiin 2.12."
    answered = httpx.post(
        f"http://127.0.0.1:{PORTS['gateway']}/api/v1/staff/feedback/{request_id}/answer",
        headers=staff, json={"text": answer_text, "public": True})
    assert answered.status_code == 200
    root = xml(httpx.get(f"{OPEN311}/requests/{request_id}.xml"))
    request = root.find("request")
    assert root.tag == "service_requests"
    assert request.findtext("status") == "closed" and request.findtext("status_notes") == answer_text
    assert request.findtext("agency_responsible") == "urban-environment"
    assert request.find("description") is not None  # every field present, empty if private


def test_get_requests_filters(platform, api_key):
    idea = post(report(api_key, service_code="idea")).json()[0]["service_request_id"]
    praise = post(report(api_key, service_code="praise")).json()[0]["service_request_id"]
    both = httpx.get(f"{OPEN311}/requests.json",
                     params={"service_request_id": f"{idea},{praise}", "status": "closed"}).json()
    assert {r["service_request_id"] for r in both} == {idea, praise}  # the ids override status

    recent = {r["service_request_id"]: r for r in httpx.get(
        f"{OPEN311}/requests.json", params={"service_code": "idea,praise", "status": "open"}).json()}
    assert {idea, praise} <= set(recent)
    assert {r["service_code"] for r in recent.values()} <= {"idea", "praise"}
    assert {r["status"] for r in recent.values()} == {"open"}
    closed = httpx.get(f"{OPEN311}/requests.json", params={"status": "closed"}).json()
    assert idea not in {r["service_request_id"] for r in closed}

    now = datetime.now(UTC)
    window = {"start_date": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end_date": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")}
    root = xml(httpx.get(f"{OPEN311}/requests.xml", params={**window, "service_code": "idea"}))
    assert idea in [r.findtext("service_request_id") for r in root.findall("request")]
    earlier = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-31T00:00:00Z"}
    assert idea not in [r["service_request_id"] for r in httpx.get(
        f"{OPEN311}/requests.json", params=earlier).json()]


def test_bad_requests_get_spec_errors_in_both_formats(platform, api_key):
    unknown = post(report(api_key, service_code="pothole"))
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    incomplete = post({"api_key": api_key, "service_code": "idea", "lat": "north"}, "xml")
    assert incomplete.status_code == 400
    errors = {e.findtext("description").split(":")[0]
              for e in xml(incomplete).findall("error")}
    assert errors == {"description", "attribute[area]", "lat"}
    contact = post(report(api_key, email="not-an-address"))
    assert contact.status_code == 400 and contact.json()[0]["description"].startswith("email:")
    span = httpx.get(f"{OPEN311}/requests.json", params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert span.status_code == 400 and "90 days" in span.json()[0]["description"]
    status = httpx.get(f"{OPEN311}/requests.xml", params={"status": "pending"})
    assert status.status_code == 400 and xml(status).findtext("error/code") == "400"
    gone = httpx.get(f"{OPEN311}/requests/{uuid.uuid4()}.json")
    assert gone.status_code == 404 and gone.json()[0]["code"] == 404
