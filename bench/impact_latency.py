"""Closing the loop, end to end: from a staff member's answer to a resident's feedback (a POST
to the gateway) to the e-mail that tells the resident, arriving at a real SMTP server. p50 and
p99 at 5 and at 50 answers per second (target: p99 under 1 s).

    .venv/bin/python bench/impact_latency.py [--seconds 20]

The path: gateway -> feedback (FeedbackAnswered into its outbox, relayed to Kafka) and the
answer's text handed to notifications -> notifications consumes the event, queues the message
and its delivery worker sends it -> SMTP. The SMTP server (aiosmtpd) runs in this process and
notes when each message arrived; each answer carries a token that its e-mail repeats. The
feedback, each with a contact that consents to answers, is submitted before the clock starts.
All parts of the platform run as their own processes on a fresh local stack."""

import argparse
import asyncio
import email
import email.policy
import json
import re
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.harness import (  # noqa: E402
    REPO,
    Connection,
    local_stack,
    machine,
    percentile,
    platform,
    report,
)
from services.gateway import dev_issuer  # noqa: E402

TARGET_P99 = 1.0
PROCESSES = ("feedback", "notifications", "evaluation", "projects", "tables", "gateway")
TOKEN = re.compile(r"answer-token-([0-9a-f]{32})")
UNIT = "urban-environment"


class Inbox:
    """An SMTP handler that notes when the e-mail carrying each token arrived."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        now = time.monotonic()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(("plain",))
        match = TOKEN.search(body.get_content() if body else "")
        if match:
            with self.lock:
                self.arrived.setdefault(match.group(1), now)
        return "250 OK"


async def request_all(url: str, requests: list[tuple[str, dict]], headers: str, rate: float,
                      connections: int = 64) -> dict[int, float]:
    """Sends (path, body) POSTs at `rate` per second (or as fast as `connections` allow when
    rate is 0); returns the index of each 2xx answer -> when its request was sent."""
    host, port = url.split("//")[1].split(":")
    idle = [Connection(host, int(port), headers) for _ in range(connections)]
    available = asyncio.Semaphore(connections)
    sent: dict[int, float] = {}
    failures: dict[str, int] = {}

    async def one(index: int, path: str, body: dict):
        async with available:
            connection = idle.pop()
            begun = time.monotonic()
            try:
                status, payload = await connection.request_with_body(
                    "POST", path, json.dumps(body).encode())
                if 200 <= status < 300:
                    sent[index] = begun
                else:
                    failures[str(status)] = failures.get(str(status), 0) + 1
                    if len(failures) == 1 and sum(failures.values()) == 1:
                        print(f"  first refusal: {status} {payload[:300]!r}")
            except (OSError, asyncio.IncompleteReadError) as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
            finally:
                idle.append(connection)

    started = time.monotonic()
    tasks = []
    for index, (path, body) in enumerate(requests):
        if rate:
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(index, path, body)))
    await asyncio.gather(*tasks)
    if failures:
        print(f"  refused or failed: {failures}")
    return sent


def submit_feedback(url: str, count: int) -> list[str]:
    """Feedback from residents who left an e-mail address and want the answer."""
    run = uuid.uuid4().hex[:8]
    bodies = [("/api/v1/feedback", {
        "text": "Liipolan puistoon toivotaan lisää penkkejä.", "kind": "idea", "area": "itainen",
        "language": "fi",
        "contact": {"email": f"asukas-{run}-{i}@example.fi", "language": "fi",
                    "consents": {"answer": True}}}) for i in range(count)]
    ids: dict[int, str] = {}

    async def go():
        host, port = url.split("//")[1].split(":")
        connection = Connection(host, int(port))
        for index, (path, body) in enumerate(bodies):
            status, payload = await connection.request_with_body(
                "POST", path, json.dumps(body).encode())
            if status != 201:
                raise SystemExit(f"submitting feedback failed: {status} {payload[:300]!r}")
            ids[index] = json.loads(payload)["id"]

    asyncio.run(go())
    return [ids[i] for i in range(count)]


def measure(url: str, inbox: Inbox, feedback_ids: list[str], rate: float) -> dict:
    token = f"Bearer {dev_issuer.mint('staff', unit=UNIT, subject='bench-staff')}"
    tokens = [uuid.uuid4().hex for _ in feedback_ids]
    requests = [(f"/api/v1/staff/feedback/{fid}/answer",
                 {"text": f"Kiitos! Penkit tulevat keväällä. answer-token-{t}", "public": True})
                for fid, t in zip(feedback_ids, tokens, strict=True)]
    sent = asyncio.run(request_all(url, requests, f"Authorization: {token}\r\n", rate))
    answered = {tokens[i]: at for i, at in sent.items()}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not set(answered) <= set(inbox.arrived):
        time.sleep(0.1)
    latencies = [inbox.arrived[t] - at for t, at in answered.items() if t in inbox.arrived]
    return {"rate": rate, "answered": len(answered), "delivered": len(latencies),
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    args = parser.parse_args(argv)
    print("impact message latency benchmark", machine())
    inbox = Inbox()
    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    notify_env = {"KUULTU_SMTP_HOST": "127.0.0.1", "KUULTU_SMTP_PORT": str(smtp_port),
                  "KUULTU_SMTP_SECURITY": "none"}
    results = []
    try:
        with local_stack("impact") as env, platform(
                env, PROCESSES, REPO / ".stack" / "bench-logs" / "impact",
                extra_env={"notifications": notify_env}) as group:
            url = group.url("gateway")
            for rate in (5, 50):
                count = int(rate * args.seconds)
                feedback_ids = submit_feedback(url, count)
                result = measure(url, inbox, feedback_ids, rate)
                results.append(result)
                print(f"  {rate}/s: {result['delivered']}/{result['answered']} delivered, "
                      f"p50 {result['p50'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms",
                      flush=True)
    finally:
        smtp.stop()
    rows = []
    for r in results:
        verdict = ("met" if r["p99"] < TARGET_P99 and r["delivered"] == r["answered"]
                   else "NOT met")
        rows.append((f"answer -> e-mail at {r['rate']}/s",
                     f"p50 {r['p50'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms "
                     f"({r['delivered']}/{r['answered']} delivered; target p99 < 1 s {verdict})"))
    report("impact message", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
