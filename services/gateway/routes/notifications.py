"""Notifications through the gateway: the public unsubscribe link and area subscriptions,
the staff API (delivery log, retries, the local outbox, template previews, erasure) and
the staff and resident pages."""

import json
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from services.common.actor import Actor
from services.common.httpapi import error_body
from services.gateway.auth import require
from services.gateway.i18n import choose_language, translator
from services.gateway.proxy import call, forward, page
from services.gateway.ratelimit import client_address, limiter

log = structlog.get_logger(__name__)
router = APIRouter(tags=["notifications"])
pages = APIRouter(include_in_schema=False)
Staff = Annotated[Actor, Depends(require("staff", "coordinator"))]
Coordinator = Annotated[Actor, Depends(require("coordinator"))]
StaffPage = Annotated[Actor, Depends(require("staff", "coordinator", page=True))]
MESSAGE_FILTERS = ("status", "trigger", "participant_id", "project_id", "trigger_event_id",
                   "limit", "offset")
SUBSCRIPTION_EXAMPLE = {"email": "asukas@example.fi", "language": "fi", "plain_language": False,
                        "areas": ["itainen"], "topics": ["urban-environment"]}


def _subscription_refused(request: Request) -> JSONResponse | None:
    """Each subscription sends a confirmation message: a 429 before anyone's inbox fills."""
    limit = limiter(request, "subscription_limiter", "KUULTU_SUBSCRIPTION_RATE_LIMIT", "10/3600")
    wait = limit.retry_after(client_address(request)) if limit else None
    if wait is None:
        return None
    log.warning("rate_limited", client=client_address(request), path=request.url.path)
    return JSONResponse(error_body("rate_limited", "Too many subscriptions from your address; "
                                   f"please retry in {wait} seconds."), 429,
                        headers={"Retry-After": str(wait)})


# -- public API -------------------------------------------------------------------------

@router.post("/api/v1/notifications/subscriptions", status_code=202,
             responses={422: {"description": "A reason for each invalid field"},
                        429: {"description": "Too many subscriptions; retry after Retry-After"}})
async def subscribe(request: Request,
                    payload: Annotated[dict[str, Any], Body(examples=[SUBSCRIPTION_EXAMPLE])]):
    """Hear what happens in some areas (keskusta, itainen, etelainen, pohjoinen) or topics.
    A confirmation message is sent first; nothing else is sent until it is confirmed."""
    refused = _subscription_refused(request)
    if refused is not None:
        return refused
    return await forward(request, "notifications", "POST", "/subscriptions", json=payload)


@router.post("/api/v1/notifications/subscriptions/confirm/{token}")
async def confirm_subscription(request: Request, token: str):
    """Confirms a subscription with the token of the link in the confirmation message."""
    return await forward(request, "notifications", "POST", f"/subscriptions/confirm/{token}")


@router.get("/api/v1/notifications/unsubscribe/{token}")
async def unsubscribe_status(request: Request, token: str):
    """Whether the contact of an unsubscribe link still gets messages (address masked)."""
    return await forward(request, "notifications", "GET", f"/unsubscribe/{token}")


@router.post("/api/v1/notifications/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str):
    """Stops every message to the contact of the link (the link is in every message). Mail
    programs use it for one-click unsubscribing (RFC 8058, a form body). With a JSON body
    {"erase": true} the contact details are erased as well."""
    body: dict = {}
    if "json" in request.headers.get("content-type", ""):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(error_body("invalid_json", "The body is not valid JSON."), 400)
        if not isinstance(body, dict):
            return JSONResponse(error_body("validation_failed", "The body must be an object.",
                                           {"body": "must be a JSON object"}), 422)
    return await forward(request, "notifications", "POST", f"/unsubscribe/{token}",
                         json={k: v for k, v in body.items() if k == "erase"})


# -- staff API --------------------------------------------------------------------------

@router.get("/api/v1/staff/notifications/messages")
async def delivery_log(request: Request, actor: Staff, status: str | None = None,
                       trigger: str | None = None, participant_id: str | None = None,
                       project_id: str | None = None, trigger_event_id: str | None = None,
                       limit: str | None = None, offset: str | None = None):
    """The delivery log: every message with its status (queued, sending, sent, failed,
    undeliverable, cancelled), attempts and last error, newest first, with counts by status.
    Staff see their unit's messages, coordinators all."""
    params = {k: v for k, v in request.query_params.items() if k in MESSAGE_FILTERS and v}
    return await forward(request, "notifications", "GET", "/staff/messages", params=params,
                         actor=actor)


@router.get("/api/v1/staff/notifications/messages/{message_id}")
async def delivery_record(request: Request, message_id: str, actor: Staff):
    """One message with its full log of attempts (no address, no text)."""
    return await forward(request, "notifications", "GET", f"/staff/messages/{message_id}",
                         actor=actor)


@router.post("/api/v1/staff/notifications/messages/{message_id}/retry", status_code=202)
async def retry_message(request: Request, message_id: str, actor: Staff):
    """Queues a failed message again, with a fresh set of attempts."""
    return await forward(request, "notifications", "POST",
                         f"/staff/messages/{message_id}/retry", actor=actor)


@router.post("/api/v1/staff/notifications/retry-failed", status_code=202)
async def retry_failed(request: Request, actor: Staff):
    """Queues every failed message again (for example after the mail server was fixed)."""
    return await forward(request, "notifications", "POST", "/staff/messages/retry-failed",
                         actor=actor)


@router.get("/api/v1/staff/notifications/outbox")
async def local_outbox(request: Request, actor: Staff, limit: str | None = None,
                       offset: str | None = None):
    """Messages kept in the local outbox instead of being sent: the embedded default and
    any run without KUULTU_SMTP_HOST. Holds addresses and texts: staff only."""
    params = {k: v for k, v in {"limit": limit, "offset": offset}.items() if v}
    return await forward(request, "notifications", "GET", "/staff/outbox", params=params,
                         actor=actor)


@router.get("/api/v1/staff/notifications/templates")
async def list_templates(request: Request, actor: Staff):
    """The message templates, one per trigger, and their language variants."""
    return await forward(request, "notifications", "GET", "/staff/templates", actor=actor)


@router.get("/api/v1/staff/notifications/templates/{name}/preview")
async def preview_template(request: Request, name: str, actor: Staff, language: str = "fi",
                           plain_language: str = "false"):
    """A template filled with its trigger's example event, as a person with this language
    and plain-language preference would get it."""
    return await forward(request, "notifications", "GET", f"/staff/templates/{name}/preview",
                         params={"language": language, "plain_language": plain_language},
                         actor=actor)


@router.delete("/api/v1/staff/notifications/contacts/{participant_id}")
async def erase_contact(request: Request, participant_id: str, actor: Coordinator):
    """Erasure on request: the contact, its local outbox copies and what it took part in are
    removed; pending messages to it become undeliverable."""
    return await forward(request, "notifications", "DELETE", f"/staff/contacts/{participant_id}",
                         actor=actor)


# -- staff pages ------------------------------------------------------------------------

@pages.get("/staff/notifications", response_class=HTMLResponse)
async def delivery_log_page(request: Request, actor: StaffPage):
    params = {k: v for k, v in request.query_params.items() if k in MESSAGE_FILTERS and v}
    reply = await call(request, "notifications", "GET", "/staff/messages", params=params,
                       actor=actor)
    return page(request, "notifications/log.html", status=reply.status, reply=reply.body,
                ok=reply.status == 200, filters=params, n=_texts(request))


@pages.get("/staff/notifications/messages/{message_id}", response_class=HTMLResponse)
async def message_page(request: Request, message_id: str, actor: StaffPage):
    reply = await call(request, "notifications", "GET", f"/staff/messages/{message_id}",
                       actor=actor)
    return page(request, "notifications/message.html", status=reply.status, item=reply.body,
                ok=reply.status == 200, n=_texts(request))


@pages.post("/staff/notifications/messages/{message_id}/retry", response_class=HTMLResponse)
async def retry_form(request: Request, message_id: str, actor: StaffPage):
    reply = await call(request, "notifications", "POST", f"/staff/messages/{message_id}/retry",
                       actor=actor)
    if reply.status == 202:
        return RedirectResponse(f"/staff/notifications/messages/{message_id}", status_code=303)
    item = await call(request, "notifications", "GET", f"/staff/messages/{message_id}",
                      actor=actor)
    return page(request, "notifications/message.html", status=reply.status, item=item.body,
                ok=item.status == 200, error=reply.body, n=_texts(request))


@pages.post("/staff/notifications/retry-failed", response_class=HTMLResponse)
async def retry_failed_form(request: Request, actor: StaffPage):
    await call(request, "notifications", "POST", "/staff/messages/retry-failed", actor=actor)
    return RedirectResponse("/staff/notifications?status=queued", status_code=303)


@pages.get("/staff/notifications/outbox", response_class=HTMLResponse)
async def outbox_page(request: Request, actor: StaffPage):
    params = {k: v for k, v in request.query_params.items() if k in ("limit", "offset") and v}
    reply = await call(request, "notifications", "GET", "/staff/outbox", params=params,
                       actor=actor)
    return page(request, "notifications/outbox.html", status=reply.status, reply=reply.body,
                ok=reply.status == 200, n=_texts(request))


@pages.get("/staff/notifications/templates", response_class=HTMLResponse)
async def templates_page(request: Request, actor: StaffPage, template: str = "",
                         language: str = "fi", plain_language: str = "false"):
    listing = await call(request, "notifications", "GET", "/staff/templates", actor=actor)
    preview = None
    if template:
        preview = await call(request, "notifications", "GET",
                             f"/staff/templates/{template}/preview", actor=actor,
                             params={"language": language, "plain_language": plain_language})
    status = preview.status if preview is not None and preview.status != 200 else listing.status
    return page(request, "notifications/templates.html", status=status, listing=listing.body,
                ok=listing.status == 200, preview=preview.body if preview else None,
                preview_ok=preview is not None and preview.status == 200,
                chosen={"template": template, "language": language,
                        "plain_language": plain_language}, n=_texts(request))


# -- resident pages: the unsubscribe link and subscriptions -----------------------------

@pages.get("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, token: str):
    reply = await call(request, "notifications", "GET", f"/unsubscribe/{token}")
    return page(request, "notifications/unsubscribe.html", status=reply.status,
                state=reply.body, ok=reply.status == 200, token=token, n=_texts(request))


@pages.post("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_form(request: Request, token: str,
                           action: Annotated[str, Form()] = "unsubscribe"):
    reply = await call(request, "notifications", "POST", f"/unsubscribe/{token}",
                       json={"erase": action == "erase"})
    return page(request, "notifications/unsubscribe.html", status=reply.status,
                done=reply.body if reply.status == 200 else None, state=reply.body,
                ok=reply.status == 200, token=token, n=_texts(request))


@pages.get("/notifications/subscribe", response_class=HTMLResponse)
async def subscribe_page(request: Request):
    return page(request, "notifications/subscribe.html", form={}, n=_texts(request))


@pages.post("/notifications/subscribe", response_class=HTMLResponse)
async def subscribe_form(request: Request, email: Annotated[str, Form()] = "",
                         areas: Annotated[list[str] | None, Form()] = None,
                         language: Annotated[str, Form()] = "fi",
                         plain_language: Annotated[str, Form()] = ""):
    refused = _subscription_refused(request)
    if refused is not None:
        return page(request, "notifications/subscribe.html", status=429,
                    errors=json.loads(refused.body), form={"email": email},
                    n=_texts(request))
    payload = {"email": email, "areas": areas or [], "language": language,
               "plain_language": plain_language == "true"}
    reply = await call(request, "notifications", "POST", "/subscriptions", json=payload)
    if reply.status == 202:
        return page(request, "notifications/subscribe.html", status=202, sent=True,
                    form=payload, n=_texts(request))
    return page(request, "notifications/subscribe.html", status=reply.status,
                errors=reply.body, form=payload, n=_texts(request))


@pages.get("/notifications/subscriptions/confirm/{token}", response_class=HTMLResponse)
async def confirm_page(request: Request, token: str):
    reply = await call(request, "notifications", "GET", f"/subscriptions/confirm/{token}")
    return page(request, "notifications/confirm.html", status=reply.status, state=reply.body,
                ok=reply.status == 200, token=token, n=_texts(request))


@pages.post("/notifications/subscriptions/confirm/{token}", response_class=HTMLResponse)
async def confirm_form(request: Request, token: str):
    reply = await call(request, "notifications", "POST", f"/subscriptions/confirm/{token}")
    return page(request, "notifications/confirm.html", status=reply.status, state=reply.body,
                ok=reply.status == 200, confirmed=reply.status == 200, token=token,
                n=_texts(request))


# -- the pages' own texts, in the user's language ----------------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "Messages": "Viestit", "Delivery log": "Viestien toimitusloki",
        "Local outbox": "Paikallinen lähtevien kansio",
        "Message templates": "Viestipohjat", "Show": "Näytä", "Any": "Kaikki",
        "Trigger": "Syy", "Status": "Tila", "Attempts": "Yrityksiä",
        "Created": "Luotu", "Delivered": "Toimitettu", "Channel": "Kanava",
        "Last error": "Viimeisin virhe", "Participant": "Osallistuja", "Retry": "Yritä uudelleen",
        "Retry every failed message": "Yritä kaikkia epäonnistuneita uudelleen",
        "No messages match these filters.": "Ei viestejä näillä ehdoilla.",
        "Message": "Viesti", "Log": "Tapahtumat", "Time": "Aika", "Outcome": "Tulos",
        "Details": "Tiedot", "To": "Vastaanottaja", "Subject": "Aihe", "Sent": "Lähetetty",
        "The outbox is empty.": "Lähtevien kansio on tyhjä.",
        "Preview": "Esikatselu", "Template": "Viestipohja", "Language": "Kieli",
        "Plain language (selkokieli)": "Selkokieli",
        "Stop messages": "Lopeta viestit",
        "You will no longer get messages from the City of Lahti at": "Et saa enää Lahden "
        "kaupungin viestejä osoitteeseen",
        "Stop all messages": "Lopeta kaikki viestit",
        "Also erase my contact details": "Poista myös yhteystietoni",
        "Messages stopped.": "Viestit on lopetettu.",
        "Your contact details have been erased.": "Yhteystietosi on poistettu.",
        "This address gets no messages any more.": "Tähän osoitteeseen ei enää lähetetä "
        "viestejä.",
        "Hear what happens in your area": "Kuule, mitä alueellasi tapahtuu",
        "We tell you when the results and the effects of participation in your area are "
        "published. First we send a message to confirm your address.":
            "Kerromme, kun alueesi osallistumisen tulokset ja vaikutukset julkaistaan. "
            "Lähetämme ensin viestin, jolla vahvistat osoitteesi.",
        "E-mail address": "Sähköpostiosoite", "Areas": "Alueet", "Subscribe": "Tilaa",
        "Messages in plain language (selkokieli)": "Viestit selkokielellä",
        "Check your inbox: confirm the subscription with the link we sent.":
            "Katso sähköpostisi: vahvista tilaus lähettämämme linkin kautta.",
        "Confirm your subscription": "Vahvista tilauksesi", "Confirm": "Vahvista",
        "Subscription confirmed.": "Tilaus on vahvistettu.",
        "Topics": "Aiheet",
    },
    "sv": {
        "Messages": "Meddelanden", "Stop messages": "Avsluta meddelanden",
        "You will no longer get messages from the City of Lahti at": "Du får inte längre "
        "meddelanden från Lahtis stad till",
        "Stop all messages": "Avsluta alla meddelanden",
        "Also erase my contact details": "Radera också mina kontaktuppgifter",
        "Messages stopped.": "Meddelandena har avslutats.",
        "Your contact details have been erased.": "Dina kontaktuppgifter har raderats.",
        "This address gets no messages any more.": "Den här adressen får inga fler "
        "meddelanden.",
        "Hear what happens in your area": "Hör vad som händer i ditt område",
        "We tell you when the results and the effects of participation in your area are "
        "published. First we send a message to confirm your address.":
            "Vi berättar när resultaten och effekterna av deltagandet i ditt område "
            "publiceras. Först skickar vi ett meddelande för att bekräfta din adress.",
        "E-mail address": "E-postadress", "Areas": "Områden", "Subscribe": "Beställ",
        "Language": "Språk",
        "Messages in plain language (selkokieli)": "Meddelanden på lättläst finska (selkokieli)",
        "Check your inbox: confirm the subscription with the link we sent.":
            "Titta i din e-post: bekräfta beställningen med länken vi skickade.",
        "Confirm your subscription": "Bekräfta din prenumeration", "Confirm": "Bekräfta",
        "Subscription confirmed.": "Prenumerationen är bekräftad.",
        "Topics": "Ämnen",
    },
}


def _texts(request: Request):
    """This page's texts in the user's language, else the interface's shared catalogue."""
    language = choose_language(request)
    shared = translator(language)
    own = TEXTS.get(language, {})
    return lambda text: own.get(text) or shared(text)


router.include_router(pages)
