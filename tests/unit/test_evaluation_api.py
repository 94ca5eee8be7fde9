"""The evaluation through the gateway on the embedded default: the public radar, its chart
and exports, the evaluators' comprehensive evaluations and pages, rebuilds, the gauges."""

import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from services import embedded
from services.common.envelope import decode
from services.common.topology import FEEDBACK_TOPIC, PROJECTS_TOPIC
from services.evaluation.facts import CITY_TIME
from services.gateway import dev_issuer
from tests.unit.test_evaluation_events import (
    feedback_received,
    impact_communicated,
    step_completed,
    uid,
)
from tests.unit.test_evaluation_projection import message


def bearer(role: str) -> dict:
    return {"authorization": f"Bearer {dev_issuer.mint(role, subject=f'{role}-1')}"}


@pytest.fixture
def platform():
    p = embedded.build()
    p.start()
    with TestClient(p.app()) as client:
        client.bus = p.bus
        yield client
    p.stop()


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met")


def feed(client, *events):
    for e in events:
        topic = FEEDBACK_TOPIC if e.name.startswith("Feedback") else PROJECTS_TOPIC
        client.bus.publish(topic, [message(e)])


def indicator(radar: dict, indicator_id: str) -> dict:
    return next(r for a in radar["areas"] for r in a["indicators"] if r["id"] == indicator_id)


def told_share(client, **params) -> float | None:
    radar = client.get("/api/v1/evaluation/radar", params=params).json()
    return indicator(radar, "impact_communicated_share")["value"]


def a_project_that_told_its_impact(unit="culture"):
    project = uid()
    return [step_completed(project, 4, unit=unit), step_completed(project, 7, unit=unit),
            impact_communicated(project, unit=unit)]


def test_the_radar_is_public_and_follows_the_events(platform):
    assert told_share(platform) is None
    feed(platform, *a_project_that_told_its_impact(), step_completed(uid(), 4, unit="urban"))
    wait_for(lambda: told_share(platform) == 0.5)
    assert told_share(platform, unit="culture") == 1.0
    assert told_share(platform, period="2026-03", area="keskusta") == 0.5
    assert told_share(platform, period="2025") is None
    radar = platform.get("/api/v1/evaluation/radar", params={"version": "2026.1"}).json()
    assert radar["indicator_set_version"] == "2026.1" and radar["areas"][0]["score"] == 2.5


def test_bad_filters_get_a_reason_each(platform):
    reply = platform.get("/api/v1/evaluation/radar",
                         params={"period": "March", "area": "moon", "version": "1.0"})
    assert reply.status_code == 422
    assert set(reply.json()["fields"]) == {"period", "area"}
    reply = platform.get("/api/v1/evaluation/radar", params={"version": "1999.1"})
    assert reply.status_code == 422 and "2026.1" in reply.json()["fields"]["version"]
    assert platform.get("/api/v1/evaluation/radar.svg", params={"lang": "xx"}).status_code == 422


def test_chart_and_exports(platform):
    feed(platform, *a_project_that_told_its_impact())
    wait_for(lambda: told_share(platform) == 1.0)
    svg = platform.get("/api/v1/evaluation/radar.svg", params={"period": "2026", "lang": "fi"})
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg") and "Yhteisluomisen tutka: jakso 2026" in svg.text
    exported = platform.get("/api/v1/evaluation/radar.csv", params={"period": "2026"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="radar-2026-2026.1.csv"' in exported.headers["content-disposition"]
    row = next(line for line in exported.text.splitlines() if "impact_communicated" in line)
    assert ",1,1,5,\r" in row + "\r"  # value 1, n 1, score 5
    as_json = platform.get("/api/v1/evaluation/radar.json", params={"period": "2026"})
    assert "attachment" in as_json.headers["content-disposition"]
    assert indicator(as_json.json(), "impact_communicated_share")["value"] == 1.0
    sets = platform.get("/api/v1/evaluation/indicator-sets").json()
    assert sets["current"] == "2026.1"
    shown = platform.get("/api/v1/evaluation/indicator-sets/2026.1").json()
    assert len(shown["areas"]) == 4
    assert platform.get("/api/v1/evaluation/indicator-sets/0.1").status_code == 422


def test_staff_endpoints_need_the_right_role(platform):
    assert platform.get("/api/v1/evaluation/evaluations").status_code == 401
    assert platform.get("/api/v1/evaluation/evaluations", headers=bearer("coordinator")).status_code == 403
    assert platform.get("/api/v1/evaluation/projects", headers=bearer("coordinator")).status_code == 403
    assert platform.get("/api/v1/evaluation/projects", headers=bearer("evaluator")).status_code == 200
    assert platform.post("/api/v1/evaluation/rebuilds", headers=bearer("evaluator")).status_code == 403
    assert platform.get("/api/v1/evaluation/evaluations", headers=bearer("admin")).status_code == 200


def test_a_comprehensive_evaluation_from_draft_to_published(platform):
    feed(platform, *a_project_that_told_its_impact())
    wait_for(lambda: told_share(platform, period="2026") == 1.0)
    created = platform.post("/api/v1/evaluation/evaluations", headers=bearer("evaluator"),
                            json={"period": "2026", "title": "Arviointi 2026"})
    assert created.status_code == 201
    evaluation = created.json()
    assert evaluation["indicator_set_version"] == "2026.1" and evaluation["status"] == "draft"
    base = f"/api/v1/evaluation/evaluations/{evaluation['id']}"
    refused = platform.post(f"{base}/publish", headers=bearer("evaluator"))
    assert refused.status_code == 422 and len(refused.json()["fields"]) == 4
    for area, score in (("goals", 4), ("culture", 2.5), ("satisfaction", 3), ("methods", 1)):
        reply = platform.put(f"{base}/assessments/{area}", headers=bearer("evaluator"),
                             json={"score": score, "note": f"Arvio: {area}"})
        assert reply.status_code == 200
    assert platform.put(f"{base}/assessments/goals", headers=bearer("evaluator"),
                        json={"score": 9}).status_code == 422
    published = platform.post(f"{base}/publish", headers=bearer("evaluator"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    frozen = published.json()["radar"]

    def evaluation_published():
        records = platform.bus.read("kuultu.evaluation", 0)
        return [decode(r.key, r.value, r.headers) for r in records]

    [event] = wait_for(evaluation_published)
    assert event.name == "EvaluationPublished" and event.subject == evaluation["id"]
    assert event.data["scores"]["goals"] == frozen["areas"][0]["score"]
    assert event.data["expert_scores"] == {"goals": 4.0, "culture": 2.5, "satisfaction": 3.0,
                                           "methods": 1.0}
    # Later events change the live radar, not the published evaluation.
    feed(platform, step_completed(uid(), 4))
    wait_for(lambda: told_share(platform, period="2026") == 0.5)
    assert platform.get(base, headers=bearer("evaluator")).json()["radar"] == frozen
    assert platform.put(f"{base}/assessments/goals", headers=bearer("evaluator"),
                        json={"score": 1}).status_code == 409
    chart = platform.get(f"{base}/radar.svg", headers=bearer("evaluator"))
    assert chart.headers["content-type"] == "image/svg+xml" and "stroke-dasharray" in chart.text
    listed = platform.get("/api/v1/evaluation/evaluations", headers=bearer("evaluator")).json()
    assert listed["evaluations"][0]["expert_scores"]["goals"] == 4.0
    assert platform.get("/api/v1/evaluation/evaluations/not-an-id",
                        headers=bearer("evaluator")).status_code == 404


def test_the_staff_pages_work_without_javascript(platform):
    feed(platform, *a_project_that_told_its_impact())
    wait_for(lambda: told_share(platform) == 1.0)
    page = platform.get("/staff/evaluation", headers=bearer("evaluator"), params={"lang": "en"})
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text and "<caption>" in page.text
    assert "Projects that reached step 7 and communicated their impact" in page.text
    assert "/api/v1/evaluation/radar.csv?" in page.text
    anonymous = platform.get("/staff/evaluation", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307)
    assert platform.get("/staff/evaluation/indicators", headers=bearer("evaluator")).status_code == 200
    assert platform.get("/staff/evaluation/projects", headers=bearer("evaluator")).status_code == 200

    created = platform.post("/staff/evaluation/evaluations", headers=bearer("evaluator"),
                            data={"period": "2026"}, follow_redirects=False)
    assert created.status_code == 303
    url = created.headers["location"]
    wrong = platform.post(f"{url}/assessments/goals", headers=bearer("evaluator"),
                          data={"score": "7", "note": ""})
    assert wrong.status_code == 422 and "from 0 to 5" in wrong.text
    for area in ("goals", "culture", "satisfaction", "methods"):
        saved = platform.post(f"{url}/assessments/{area}", headers=bearer("evaluator"),
                              data={"score": "3,5", "note": "Hyvä"}, follow_redirects=False)
        assert saved.status_code == 303
    published = platform.post(f"{url}/publish", headers=bearer("evaluator"), follow_redirects=False)
    assert published.status_code == 303
    detail = platform.get(url, headers=bearer("evaluator"), params={"lang": "en"})
    assert "published" in detail.text and "Save the assessment" not in detail.text
    assert detail.text.count("3.5") >= 4


def test_a_rebuild_through_the_api_equals_the_live_radar(platform):
    feed(platform, *a_project_that_told_its_impact(), feedback_received(kind="praise"))
    wait_for(lambda: told_share(platform) == 1.0)
    wait_for(lambda: indicator(platform.get("/api/v1/evaluation/radar").json(),
                               "praise_share")["value"] == 1.0)
    before = platform.get("/api/v1/evaluation/radar").json()
    started = platform.post("/api/v1/evaluation/rebuilds", headers=bearer("admin"), json={})
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "done" and run["read"] == run["total"] == 4 and run["facts"] == 4
    assert platform.get("/api/v1/evaluation/radar").json() == before
    assert platform.get(f"/api/v1/evaluation/rebuilds/{run['id']}",
                        headers=bearer("evaluator")).json()["status"] == "done"
    page = platform.get("/staff/evaluation/rebuilds", headers=bearer("admin"))
    assert page.status_code == 200 and "<progress" in page.text
    assert platform.post("/api/v1/evaluation/rebuilds", headers=bearer("admin"),
                         json={"take_over": "yes"}).status_code == 422


def test_the_gauges_show_the_current_year(platform):
    reply = platform.post("/api/v1/feedback", json={"text": "Kiitos", "kind": "praise",
                                                    "area": "keskusta"})
    assert reply.status_code == 201
    year = datetime.now(CITY_TIME).strftime("%Y")
    wait_for(lambda: indicator(platform.get("/api/v1/evaluation/radar",
                                            params={"period": year}).json(),
                               "praise_share")["value"] == 1.0)
    metrics = platform.get("/metrics").text
    assert (f'kuultu_evaluation_indicator_value{{area="satisfaction",indicator="praise_share",'
            f'period="{year}",version="2026.1"}} 1.0') in metrics
    assert f'kuultu_evaluation_area_score{{area="satisfaction",period="{year}"' in metrics
