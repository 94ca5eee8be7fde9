"""Sign-in (authorization code + PKCE against the development issuer), sessions, CSRF,
security headers, size limits, error pages and languages, on the embedded platform."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from services import embedded

BASE = "http://testserver"


@pytest.fixture
def client():
    platform = embedded.build()
    platform.start()
    with TestClient(platform.app(), base_url=BASE) as c:
        yield c
    platform.stop()


def sign_in(client, role="coordinator", unit="urban-environment", name="Anna"):
    """Walks the browser flow: /staff -> /auth/login -> dev issuer form -> callback."""
    start = client.get("/staff", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith("/auth/login")
    login = client.get(start.headers["location"], follow_redirects=False)
    authorize = urlsplit(login.headers["location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert set(params) == {"redirect_uri", "state", "code_challenge", "nonce"}
    form = client.get(login.headers["location"])
    assert form.status_code == 200 and 'name="role"' in form.text
    issued = client.post(authorize.path, data={**params, "role": role, "unit": unit,
                                                "name": name}, follow_redirects=False)
    callback = client.get(issued.headers["location"], follow_redirects=False)
    assert callback.status_code == 303 and callback.headers["location"] == "/staff"
    return callback


def test_browser_sign_in_gives_a_session_that_pages_and_api_accept(client):
    sign_in(client)
    dashboard = client.get("/staff")
    assert dashboard.status_code == 200 and "Anna" in dashboard.text
    me = client.get("/api/v1/staff/whoami").json()
    assert me == {"id": "Anna", "roles": ["coordinator"], "unit": "urban-environment"}


def test_a_callback_with_a_wrong_state_or_a_replayed_code_gives_no_session(client):
    start = client.get("/auth/login?next=/staff", follow_redirects=False)
    params = parse_qs(urlsplit(start.headers["location"]).query)
    issued = client.post("/dev-issuer/authorize", data={
        **{k: v[0] for k, v in params.items()}, "role": "admin"}, follow_redirects=False)
    code = parse_qs(urlsplit(issued.headers["location"]).query)["code"][0]
    forged = client.get(f"/auth/callback?code={code}&state=forged", follow_redirects=False)
    assert forged.status_code == 400 and "kuultu_session" not in forged.cookies
    assert client.get("/api/v1/staff/whoami").status_code == 401


def test_open_redirects_are_refused(client):
    start = client.get("/auth/login?next=//evil.example/", follow_redirects=False)
    assert start.status_code == 303  # the next address is replaced by /staff
    from services.gateway.routes.auth import _safe_next

    assert _safe_next("//evil.example/") == "/staff" and _safe_next("/staff/x") == "/staff/x"


def test_cookie_session_writes_need_same_origin_or_the_csrf_token(client):
    sign_in(client)
    page = client.get("/staff").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cross_site = client.post("/auth/logout", headers={"origin": "https://evil.example"},
                             follow_redirects=False)
    assert cross_site.status_code == 403
    no_proof = client.post("/auth/logout", follow_redirects=False)
    assert no_proof.status_code == 403
    wrong = client.post("/auth/logout", data={"csrf_token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 403
    ok = client.post("/auth/logout", data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_security_headers_and_generic_errors(client):
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in page.headers  # plain HTTP here
    https = TestClient(client.app, base_url="https://testserver").get("/healthz")
    assert https.headers["strict-transport-security"].startswith("max-age=")
    missing = client.get("/no/such/page", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "<h1>" in missing.text and "Traceback" not in missing.text
    api_missing = client.get("/api/v1/nothing")
    assert api_missing.status_code == 404 and api_missing.json()["error"] == "not_found"


def test_request_bodies_over_the_limit_are_refused(client):
    big = client.post("/api/v1/feedback", content=b"{" + b" " * 300_000 + b"}",
                      headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json()["error"] == "too_large"


def test_the_user_chooses_the_language(client):
    assert '<html lang="fi">' in client.get("/").text  # the default
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert '<html lang="en">' in client.get("/").text  # remembered
    swedish = client.get("/", headers={"accept-language": "sv-FI,sv;q=0.9"},
                         cookies={"kuultu_lang": ""})
    assert "Hoppa till innehållet" in swedish.text
