"""Feedback submitted through the gateway at a steady rate while a fault is injected: an
open-loop load (a slow answer does not slow the next submission), bounded in concurrency and
time, on 127.0.0.1 only. Every answer is kept to check against the projection afterwards."""

import asyncio
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass
class Submission:
    index: int
    district: str  # marks this submission in its event
    sent_at: float  # seconds since the load started
    status: int | None = None  # None: no answer (transport error or timeout)
    feedback_id: str | None = None
    retry_after: str | None = None
    error: str | None = None
    seconds: float | None = None

    @property
    def answered_at(self) -> float:
        return self.sent_at + (self.seconds or 0.0)


class SteadyLoad:
    def __init__(self, gateway_url: str, rate: float, marker: str, max_in_flight: int = 100,
                 timeout: float = 20.0):
        self.url = gateway_url + "/api/v1/feedback"
        self.rate = rate
        self.marker = marker
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.submissions: list[Submission] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = 0.0

    def start(self) -> "SteadyLoad":
        self.started = time.monotonic()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        return self

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stop(self) -> list[Submission]:
        """Stops sending and waits for every answer."""
        self._stop.set()
        self._thread.join(self.timeout + 30)
        return self.submissions

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.max_in_flight)
        limits = httpx.Limits(max_connections=self.max_in_flight)
        async with httpx.AsyncClient(timeout=self.timeout, limits=limits) as client:
            tasks = []
            index = 0
            while not self._stop.is_set():
                due = self.started + index / self.rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                submission = Submission(index, f"{self.marker}-{index}", self.elapsed())
                self.submissions.append(submission)
                await slots.acquire()
                tasks.append(asyncio.create_task(self._submit(client, submission, slots)))
                index += 1
            await asyncio.gather(*tasks)

    async def _submit(self, client, submission: Submission, slots) -> None:
        started = time.monotonic()
        try:
            reply = await client.post(self.url, json={
                "text": "Palautetta vikatestistä", "kind": "idea", "area": "keskusta",
                "district": submission.district})
            submission.status = reply.status_code
            submission.retry_after = reply.headers.get("retry-after")
            if reply.status_code == 201:
                submission.feedback_id = reply.json()["id"]
        except httpx.HTTPError as exc:
            submission.error = repr(exc)
        finally:
            submission.seconds = time.monotonic() - started
            slots.release()


def tally(submissions: list[Submission]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in submissions:
        key = str(s.status) if s.status is not None else "no answer"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
