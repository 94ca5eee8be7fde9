"""Open311 GeoReport v2 under /open311/v2/, in JSON or XML by the resource's suffix.

The feedback service answers every call; this module speaks the wire format: it reads the
client's form, sends contact details to the contact registry (feedback keeps only the
pseudonymous id; names and device or account ids are not kept at all), limits submissions
per client, and renders answers and errors (`errors[]{code, description}`) as JSON or XML.
`jurisdiction_id` is accepted and ignored: this endpoint serves one jurisdiction."""

import json
from typing import Any
from xml.etree import ElementTree

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.clients import Reply
from services.gateway.proxy import call
from services.gateway.ratelimit import client_address, limiter

router = APIRouter(prefix="/open311/v2", tags=["open311"])
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}
# The Spark convention: a JSON list is an XML container of repeated items.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value", "endpoints": "endpoint",
         "formats": "format"}
# Of the personal data an Open311 client may send, the contact registry takes e-mail and
# phone; names and device or account ids are dropped here (data minimisation).
CONTACT_FIELDS = ("email", "phone")
DROPPED_FIELDS = ("first_name", "last_name", "device_id", "account_id", "participant_id")
QUERY_FILTERS = ("service_request_id", "service_code", "start_date", "end_date", "status",
                 "locale")
_XML_INVALID = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


# -- wire format ---------------------------------------------------------------------------

def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value).translate(_XML_INVALID)  # characters XML 1.0 cannot hold


def to_xml(root: str, data: Any) -> bytes:
    """`data`, shaped as the JSON answer, as the spec's XML document under `root`."""
    element = ElementTree.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, data: Any, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    content = to_xml(root, data) if fmt == "xml" else json.dumps(
        data, ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, headers=headers,
                    media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8")


def spec_errors(reply: Reply) -> tuple[int, list[dict]]:
    """A service's refusal in the spec's terms: 404 for what does not exist, 403 for the API
    key, 400 for anything else the client must fix; 429 and 503 stay (with Retry-After)."""
    status = reply.status if reply.status in (403, 404, 429) or reply.status >= 500 else 400
    body = reply.body if isinstance(reply.body, dict) else {}
    fields = body.get("fields") or {}
    if fields:
        return status, [{"code": status, "description": f"{name}: {reason}"}
                        for name, reason in fields.items()]
    return status, [{"code": status,
                     "description": body.get("message") or "The request could not be handled."}]


def answer(fmt: str, root: str, reply: Reply) -> Response:
    if reply.status < 300:
        return render(fmt, root, reply.body)
    status, errors = spec_errors(reply)
    retry = {k: v for k, v in reply.headers.items() if k.lower() == "retry-after"}
    return render(fmt, "errors", errors, status, retry)


def unknown_format(fmt: str) -> Response:
    return render("json", "errors", [{"code": 404, "description": (
        f"unknown format {fmt!r}: end the resource with .json or .xml")}], 404)


def error(fmt: str, status: int, description: str, headers: dict | None = None) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status, headers)


def _params(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in names and v != ""}


# -- resources -------------------------------------------------------------------------------

@router.get("/discovery.{fmt}")
async def discovery(request: Request, fmt: str):
    """Service discovery: the endpoint, its formats and how to get an API key."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    url = str(request.base_url).rstrip("/") + router.prefix
    reply = await call(request, "feedback", "GET", "/open311/discovery", params={"url": url})
    return answer(fmt, "discovery", reply)


@router.get("/services.{fmt}")
async def service_list(request: Request, fmt: str):
    """The kinds of feedback as Open311 services (`locale` fi, sv or en; Finnish by default)."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    reply = await call(request, "feedback", "GET", "/open311/services",
                       params=_params(request, ("locale",)))
    return answer(fmt, "services", reply)


@router.get("/services/{service_code}.{fmt}")
async def service_definition(request: Request, service_code: str, fmt: str):
    """A service's attributes: area (required), district, topic, language, project_id."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    reply = await call(request, "feedback", "GET", f"/open311/services/{service_code}",
                       params=_params(request, ("locale",)))
    return answer(fmt, "service_definition", reply)


async def _form(request: Request) -> dict[str, Any] | None:
    """The client's fields: form-encoded as the spec says (multipart and JSON accepted too),
    with any given in the query string (some clients put api_key there)."""
    fields: dict[str, Any] = dict(request.query_params)
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
            if not isinstance(body, dict):
                return None
            fields.update(body)
        else:
            form = await request.form()
            for key in form:
                values = [v for v in form.getlist(key) if isinstance(v, str)]  # no uploads
                if values:
                    fields[key] = values if key.endswith("[]") else values[-1]
    except ValueError:
        return None
    return fields


@router.post("/requests.{fmt}")
async def post_request(request: Request, fmt: str):
    """Create a service request (api_key required). Form fields as in the spec: service_code,
    description, lat and long or address_string, attribute[area], email, phone, media_url."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    limit = limiter(request, "open311_limiter", "KUULTU_OPEN311_RATE_LIMIT", "120/60")
    wait = limit.retry_after(client_address(request)) if limit else None
    if wait is not None:
        return error(fmt, 429, f"Too many requests from your address; retry in {wait} seconds.",
                     {"Retry-After": str(wait)})
    fields = await _form(request)
    if fields is None:
        return error(fmt, 400, "The request body is not a readable form.")
    contact = {k: fields.pop(k) for k in CONTACT_FIELDS if k in fields}
    contact = {k: v for k, v in contact.items() if v not in (None, "")}
    for name in DROPPED_FIELDS:
        fields.pop(name, None)
    if not contact:
        return answer(fmt, "service_requests", await call(
            request, "feedback", "POST", "/open311/requests", json={"fields": fields}))
    # The key and the fields are checked before anything is stored about a person.
    checked = await call(request, "feedback", "POST", "/open311/requests",
                         json={"fields": fields, "dry_run": True})
    if checked.status >= 300:
        return answer(fmt, "service_requests", checked)
    language = fields.get("attribute[language]")
    registered = await call(request, "notifications", "POST", "/contacts", json={
        **contact, **({"language": language} if isinstance(language, str) else {})})
    if registered.status != 201:
        return answer(fmt, "service_requests", registered)
    participant_id = registered.body["participant_id"]
    reply = await call(request, "feedback", "POST", "/open311/requests",
                       json={"fields": fields, "participant_id": participant_id})
    if 400 <= reply.status < 500:  # refused for certain: nothing refers to the contact
        await call(request, "notifications", "DELETE", f"/contacts/{participant_id}")
    return answer(fmt, "service_requests", reply)


@router.get("/requests.{fmt}")
async def get_requests(request: Request, fmt: str):
    """Service requests, newest first, at most 1000: by service_request_id (comma list; the
    other filters are then ignored) or by service_code, status (open, closed), start_date
    and end_date (W3C date-times at most 90 days apart; the last 90 days by default)."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    reply = await call(request, "feedback", "GET", "/open311/requests",
                       params=_params(request, QUERY_FILTERS))
    return answer(fmt, "service_requests", reply)


@router.get("/requests/{service_request_id}.{fmt}")
async def get_request(request: Request, service_request_id: str, fmt: str):
    """One service request; `status_notes` carries the city's latest public answer."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    reply = await call(request, "feedback", "GET", f"/open311/requests/{service_request_id}",
                       params=_params(request, ("locale",)))
    return answer(fmt, "service_requests", reply)


@router.get("/tokens/{token}.{fmt}")
async def get_token(request: Request, token: str, fmt: str):
    """The service_request_id of a token given by POST requests."""
    if fmt not in MEDIA_TYPES:
        return unknown_format(fmt)
    reply = await call(request, "feedback", "GET", f"/open311/tokens/{token}")
    return answer(fmt, "service_requests", reply)
