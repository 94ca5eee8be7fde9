"""Demo contacts for the embedded default: a resident who follows the centre, and a public
subscription waiting for its confirmation, whose message is in the local outbox at once."""

import uuid

from services.common.httpapi import Request


def _call(client, method: str, path: str, body: dict) -> dict:
    reply = client._call(Request(method, path, body=body,
                                 headers={"x-correlation-id": str(uuid.uuid4())}))
    if reply.status not in (201, 202):
        raise RuntimeError(f"demo contacts: {method} {path} was refused: {reply.body}")
    return reply.body


def load(platform) -> None:
    client = platform.clients()["notifications"]
    _call(client, "POST", "/contacts", {
        "email": "maija.asukas@example.fi", "language": "fi", "plain_language": True,
        "consents": {"answer": True, "results": True, "impact": True, "area_updates": True},
        "areas": ["keskusta"]})
    _call(client, "POST", "/subscriptions", {
        "email": "bertil@example.fi", "language": "sv", "areas": ["itainen", "keskusta"]})
