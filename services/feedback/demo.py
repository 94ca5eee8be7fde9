"""Demo feedback for the embedded default."""

import uuid

from services.common.httpapi import Request

DEMO_FEEDBACK = [
    {"text": "Kauppatorille lisää penkkejä ja puita, kiitos!", "kind": "idea", "area": "keskusta",
     "channel": "omalahti"},
    {"text": "Liipolan kevyen liikenteen väylän valaistus on ollut rikki viikon.",
     "kind": "complaint", "area": "itainen", "channel": "e_feedback", "district": "Liipola"},
    {"text": "Ahtialan kirjaston satutunti oli ihana kokemus lapsille.", "kind": "praise",
     "area": "etelainen", "channel": "customer_feedback", "district": "Ahtiala"},
    {"text": "Voisiko Kiveriön koululle tulla suojatie?", "kind": "question", "area": "pohjoinen",
     "channel": "staff_entered", "district": "Kiveriö"},
    {"text": "The English signs at the harbour helped a lot when we moved here.",
     "kind": "experience", "area": "keskusta", "channel": "omalahti", "language": "en"},
]


def load(platform) -> None:
    client = platform.clients()["feedback"]
    for item in DEMO_FEEDBACK:
        request = Request("POST", "/feedback", body=dict(item),
                          headers={"x-correlation-id": str(uuid.uuid4())})
        reply = client._call(request)
        if reply.status != 201:
            raise RuntimeError(f"demo feedback was refused: {reply.body}")
