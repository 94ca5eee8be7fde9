"""Demo feedback for the embedded default: a few items at different points of the lifecycle."""

import uuid

from services.common.actor import Actor
from services.common.httpapi import Request

DEMO_FEEDBACK = [
    {"text": "Kauppatorille lisää penkkejä ja puita, kiitos!", "kind": "idea", "area": "keskusta",
     "channel": "omalahti"},
    {"text": "Liipolan kevyen liikenteen väylän valaistus on ollut rikki viikon.",
     "kind": "complaint", "area": "itainen", "channel": "e_feedback", "district": "Liipola"},
    {"text": "Ahtialan kirjaston satutunti oli ihana kokemus lapsille.", "kind": "praise",
     "area": "etelainen", "channel": "customer_feedback", "district": "Ahtiala"},
    {"text": "Voisiko Kiveriön koululle tulla suojatie?", "kind": "question", "area": "pohjoinen",
     "channel": "e_feedback", "district": "Kiveriö"},
    {"text": "The English signs at the harbour helped a lot when we moved here.",
     "kind": "experience", "area": "keskusta", "channel": "omalahti", "language": "en"},
]
# What staff did with some of them: (index, action, body).
DEMO_WORK = [
    (1, "assign", {"unit": "urban-environment"}),
    (1, "answer", {"text": "Kiitos ilmoituksesta! Valaistus korjataan tällä viikolla.",
                   "public": True}),
    (3, "assign", {"unit": "urban-environment"}),
]
DEMO_STAFF = Actor("demo-staff", frozenset({"coordinator"}), "urban-environment")


def _call(client, method: str, path: str, body: dict, actor: Actor | None = None):
    headers = {"x-correlation-id": str(uuid.uuid4()), **(actor.to_headers() if actor else {})}
    reply = client._call(Request(method, path, body=dict(body), headers=headers))
    if reply.status not in (200, 201):
        raise RuntimeError(f"demo feedback was refused: {reply.body}")
    return reply.body


def load(platform) -> None:
    client = platform.clients()["feedback"]
    ids = [_call(client, "POST", "/feedback", item)["id"] for item in DEMO_FEEDBACK]
    for index, action, body in DEMO_WORK:
        _call(client, "POST", f"/feedback/{ids[index]}/{action}", body, DEMO_STAFF)
