"""API fuzzing: schemathesis generates requests from the gateway's own OpenAPI document
(valid and invalid) and every answer must be a deliberate one: never a server error, and
always a declared content type. Runs against the embedded platform in-process."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services import embedded
from services.gateway import dev_issuer

TEXT_TYPES = ("application/json", "application/xml", "text/xml", "image/svg+xml", "text/csv",
              "text/html", "text/plain")


@pytest.fixture(scope="module")
def platform():
    p = embedded.build()
    p.start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def api_schema(platform):
    return schemathesis.openapi.from_asgi("/openapi.json", platform.app())


@pytest.fixture(scope="module")
def staff_headers():
    token = dev_issuer.mint("admin", unit="urban-environment", subject="fuzzer")
    return {"authorization": f"Bearer {token}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_server_errors(case, staff_headers):
    response = case.call(headers=staff_headers if "/staff/" in case.path else {})
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    content_type = response.headers.get("content-type") or [""]
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if response.content and response.status_code != 204:
        assert content_type.startswith(TEXT_TYPES), content_type
