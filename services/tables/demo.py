"""Demo data for the embedded default: the four tables with an open call, a pool of
applications large enough for a selection proposal, and some of the tables' work."""

import random
import uuid
from datetime import timedelta

from services.common.actor import Actor
from services.common.envelope import utcnow
from services.common.httpapi import Request
from services.tables.calls import add_months, local_today

FIRST = ("Aino", "Eero", "Helmi", "Ilkka", "Johanna", "Kalle", "Leena", "Matti", "Noora",
         "Olli", "Pirjo", "Riku", "Sanna", "Tapio", "Ulla", "Veikko", "Amina", "Omar", "Sofia",
         "Mikael", "Linnea", "Ahmed", "Elina", "Juho")
LAST = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen",
        "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salonen", "Hassan", "Lindqvist")
ORGANISATIONS = {"association": ("Kartanon asukasyhdistys", "Lahden Latu", "Liipolan kyläyhdistys"),
                 "company": ("Kauppatorin Kahvila Oy", "Lahden Pyörä Oy"),
                 "parish": ("Lahden seurakuntayhtymä",), "school": ("Kannaksen lukio",
                                                                   "Tiirismaan lukio"),
                 "other": ("Lahden nuorisofoorumi",)}
TABLES = ("table-keskusta", "table-itainen", "table-etelainen", "table-pohjoinen")
COORDINATOR = Actor("demo-coordinator", frozenset({"coordinator"})).to_headers()


def _send(client, method: str, path: str, body=None, *, staff: bool = False) -> dict:
    headers = {"x-correlation-id": str(uuid.uuid4()), **(COORDINATOR if staff else {})}
    reply = client._call(Request(method, path, body=body, headers=headers))
    if reply.status >= 300:
        raise RuntimeError(f"demo tables data was refused: {method} {path}: {reply.body}")
    return reply.body


def _applicant(rng: random.Random, body_id: str, home: str, today) -> dict:
    age = rng.choice((rng.randint(13, 17), rng.randint(18, 29), rng.randint(30, 44),
                      rng.randint(45, 64), rng.randint(65, 74), rng.randint(75, 88)))
    born = today - timedelta(days=age * 365 + rng.randint(40, 300))
    represents = rng.choice(("resident", "resident", "resident", "association", "association",
                             "company", "parish", "school", "other"))
    area = home if rng.random() < 0.7 else rng.choice(("keskusta", "itainen", "etelainen",
                                                       "pohjoinen"))
    application = {
        "body_id": body_id, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "date_of_birth": born.isoformat(), "area": area, "represents": represents,
        "motivation": "Haluan olla mukana kehittämässä omaa aluettani.",
        "language": rng.choice(("fi", "fi", "fi", "sv", "en")),
        "gender": rng.choice(("woman", "man", "woman", "man", "other", "not_given")),
        "public_listing": rng.random() < 0.6,
    }
    if represents != "resident":
        application["organisation"] = rng.choice(ORGANISATIONS[represents])
    return application


def load(platform) -> None:
    client = platform.clients()["tables"]
    rng = random.Random(102)  # the council decision § 102: the same demo every time
    today = local_today(utcnow())
    closes_on = today + timedelta(days=30)
    call = _send(client, "POST", "/staff/calls", {
        "title": "Kumppanuuspöydät 2027–2028: haku on auki",
        "description": "Haemme jäseniä Lahden neljään alueelliseen kumppanuuspöytään.",
        "body_ids": list(TABLES), "opens_on": (today - timedelta(days=14)).isoformat(),
        "closes_on": closes_on.isoformat(),
        "term_start": add_months(closes_on.replace(day=1), 2).isoformat(),
    }, staff=True)
    path = f"/calls/{call['id']}/applications"
    for body_id, count in zip(TABLES, (72, 16, 14, 12), strict=True):
        home = body_id.removeprefix("table-")
        made = 0
        while made < count:
            try:
                _send(client, "POST", path, _applicant(rng, body_id, home, closes_on))
                made += 1
            except RuntimeError as exc:  # the same name and birth date drawn twice
                if "duplicate_application" not in str(exc):
                    raise
    _send(client, "POST", f"/staff/calls/{call['id']}/selections",
          {"body_id": "table-keskusta", "method": "maximin", "seed": 2026}, staff=True)

    statement = _send(client, "POST", "/staff/bodies/table-keskusta/statements", {
        "kind": "proposal", "addressee": "kaupunginhallitus",
        "title": "Turvallisemmat suojatiet koulujen lähelle",
        "text": "Kumppanuuspöytä esittää korotettuja suojateitä Kannaksen ja Tiirismaan "
                "koulujen lähelle.", "areas": ["keskusta"],
        "submitted_on": (today - timedelta(days=60)).isoformat()}, staff=True)
    _send(client, "POST", f"/staff/statements/{statement['id']}/answer", {
        "answered_by": "kaupunginhallitus",
        "answer_summary": "Kaksi korotettua suojatietä rakennetaan ensi vuonna.",
        "answered_on": (today - timedelta(days=10)).isoformat()}, staff=True)
    _send(client, "POST", "/staff/bodies/table-itainen/statements", {
        "kind": "opinion", "addressee": "elinvoima- ja hyvinvointilautakunta",
        "title": "Liipolan puistojen valaistus", "areas": ["itainen"],
        "text": "Kumppanuuspöytä pitää puistojen valaistuksen parantamista tärkeänä."},
          staff=True)
    _send(client, "POST", "/staff/bodies/table-keskusta/meetings", {
        "held_on": (today - timedelta(days=21)).isoformat(), "members_present": 16,
        "others_present": 7, "topic": "Kauppatorin kesätapahtumat"}, staff=True)
