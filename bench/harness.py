"""What the benchmarks share: a fresh local stack on ports of their own (or the stack named
by the environment), the platform's processes, open-loop HTTP load, percentiles, and the
machine the figures were measured on.

Ports (override with the environment): Kafka KUULTU_BENCH_KAFKA_PORT (30792, controller +1),
FerretDB KUULTU_BENCH_MONGO_PORT (30717), the platform's processes from
KUULTU_BENCH_PLATFORM_PORT (30700: gateway, then each service at + its offset). With
KUULTU_BENCH_STACK=external the benchmarks use KUULTU_KAFKA_BOOTSTRAP and KUULTU_MONGO_URI
as given and neither start nor stop a stack."""

import asyncio
import json
import os
import platform as pyplatform
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/x.py` from the repository root
    sys.path.insert(0, str(REPO))

from services.common.topology import SERVICES  # noqa: E402
from services.runstack import ProcessGroup, platform_env  # noqa: E402

STACK_SCRIPT = REPO / "deploy" / "local" / "stack.sh"
KAFKA_PORT = int(os.environ.get("KUULTU_BENCH_KAFKA_PORT", "30792"))
MONGO_PORT = int(os.environ.get("KUULTU_BENCH_MONGO_PORT", "30717"))
PLATFORM_PORT = int(os.environ.get("KUULTU_BENCH_PLATFORM_PORT", "30700"))
PORTS = {"gateway": PLATFORM_PORT,
         **{name: PLATFORM_PORT + spec.port - 8000 for name, spec in SERVICES.items()}}


@contextmanager
def local_stack(name: str):
    """A fresh Kafka + FerretDB for one benchmark, removed afterwards; yields the
    environment the platform and the benchmark's own clients use."""
    if os.environ.get("KUULTU_BENCH_STACK") == "external":
        yield dict(os.environ)
        return
    directory = REPO / ".stack" / f"bench-{name}"
    stack_env = {**os.environ, "KUULTU_STACK_DIR": str(directory),
                 "KUULTU_KAFKA_PORT": str(KAFKA_PORT),
                 "KUULTU_KAFKA_CONTROLLER_PORT": str(KAFKA_PORT + 1),
                 "KUULTU_MONGO_PORT": str(MONGO_PORT)}

    def stack(*args):
        return subprocess.run(["bash", str(STACK_SCRIPT), *args], env=stack_env, check=True,
                              capture_output=True, text=True, timeout=300)

    subprocess.run(["bash", str(STACK_SCRIPT), "down"], env=stack_env, capture_output=True)
    shutil.rmtree(directory, ignore_errors=True)
    stack("up")
    env = {**stack_env, "KUULTU_KAFKA_BOOTSTRAP": f"127.0.0.1:{KAFKA_PORT}",
           "KUULTU_MONGO_URI": f"mongodb://127.0.0.1:{MONGO_PORT}/"}
    try:
        yield env
    finally:
        subprocess.run(["bash", str(STACK_SCRIPT), "down"], env=stack_env, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def platform(env: dict, names: tuple[str, ...], log_dir: Path,
             extra_env: dict[str, dict] | None = None):
    """The named parts of the platform, each as its own `kuultu serve` process, as in
    production (one process, one worker each); `extra_env` per process name."""
    process_env = platform_env(dict(env))
    process_env["KUULTU_FEEDBACK_RATE_LIMIT"] = "off"  # all load comes from one address
    process_env.update({f"KUULTU_{n.upper()}_URL": f"http://127.0.0.1:{p}"
                        for n, p in PORTS.items() if n != "gateway"})
    shutil.rmtree(log_dir, ignore_errors=True)
    group = ProcessGroup(env=process_env, log_dir=log_dir)
    try:
        for name in names:
            group.start(name, PORTS[name], (extra_env or {}).get(name))
        for name in names:
            group.wait_ready(name, timeout=120)
        yield group
    finally:
        group.stop_all()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Step:
    """One load step: `rate` requests per second, open loop, for `seconds`."""

    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of answers with the wanted status
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def achieved(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    def passes(self, p99_limit: float) -> bool:
        return (not self.errors and self.p(99) <= p99_limit
                and self.sent >= 0.97 * self.rate * self.seconds)


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection for load generation: httpx spends
    about 1 ms of CPU per request, which on a small machine would measure the client
    instead of the server."""

    def __init__(self, host: str, port: int, headers: str = ""):
        self.host, self.port = host, port
        self.headers = headers  # extra header lines, each ending in \r\n
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes) -> int:
        return (await self.request_with_body(method, path, body))[0]

    async def request_with_body(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        reused = self.writer is not None
        try:
            return await self._exchange(method, path, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            if not reused:
                raise
        # The server had closed this idle keep-alive connection: as any client, reconnect.
        return await self._exchange(method, path, body)

    async def _exchange(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"{self.headers}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        if b"connection: close" in head.lower():
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _open_loop(step: Step, url: str, body: bytes, expect: int, max_in_flight: int):
    parsed = httpx.URL(url)
    idle = [Connection(parsed.host, parsed.port) for _ in range(max_in_flight)]
    started = time.monotonic()
    total = int(step.rate * step.seconds)

    async def one(connection: Connection):
        begun = time.monotonic()
        try:
            status = await asyncio.wait_for(
                connection.request("POST", parsed.raw_path.decode(), body), 10.0)
            label = str(status)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            connection.close()
            status, label = None, type(exc).__name__
        idle.append(connection)
        if status == expect:
            step.latencies.append(time.monotonic() - begun)
        else:
            step.errors[label] = step.errors.get(label, 0) + 1

    tasks = []
    for index in range(total):
        await asyncio.sleep(max(0.0, started + index / step.rate - time.monotonic()))
        if idle:
            tasks.append(asyncio.create_task(one(idle.pop())))
        else:  # the server fell this far behind: count it, never queue without bound
            step.errors["client-side backlog"] = step.errors.get("client-side backlog", 0) + 1
    await asyncio.gather(*tasks)
    step.elapsed = time.monotonic() - started
    for connection in idle:
        connection.close()


def run_step(url: str, rate: float, seconds: float, body: dict, expect: int = 201,
             max_in_flight: int = 256) -> Step:
    """POSTs `body` to `url` at `rate` per second for `seconds`, open loop (a slow answer
    does not delay the next request), at most `max_in_flight` at once; 127.0.0.1 only."""
    step = Step(rate, seconds)
    asyncio.run(_open_loop(step, url, json.dumps(body).encode(), expect, max_in_flight))
    return step


def stack_processes(env: dict) -> dict[str, psutil.Process]:
    """Kafka's and FerretDB's processes (from the stack's pid files), for CPU figures."""
    run = Path(env.get("KUULTU_STACK_DIR", REPO / ".stack")) / "run"
    found = {}
    for name in ("kafka", "ferretdb"):
        try:
            found[name] = psutil.Process(int((run / f"{name}.pid").read_text()))
        except (OSError, ValueError, psutil.Error):
            pass
    return found


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load1, load5, _ = os.getloadavg()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": model,
        "python": pyplatform.python_version(),
        "load_average_1m_5m": f"{load1:.2f} {load5:.2f}",
    }


def report(title: str, rows: list[tuple[str, object]]) -> None:
    """Prints figures as aligned `name: value` lines (what run_all.py collects)."""
    print(f"\n== {title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
