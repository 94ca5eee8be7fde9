"""Gateway intake: how many feedback submissions per second the platform accepts through one
gateway worker with p99 under 300 ms and no errors (target: at least 250/s), against a bare
FastAPI endpoint served the same way on the same machine, measured in the same run.

    .venv/bin/python bench/gateway_intake.py [--seconds 6] [--max-rate 1500]

Open-loop load from one client process on 127.0.0.1, in steps of rising rate; a step passes
when every answer is the expected 201, p99 <= 300 ms and the client kept the rate. The
figure is the highest passing step. The platform is the gateway and the feedback service,
each its own process (uvicorn one worker; nameko), on a fresh local stack."""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    PORTS,
    REPO,
    Step,
    cpu_seconds,
    local_stack,
    machine,
    platform,
    report,
    run_step,
    stack_processes,
)

P99_LIMIT = 0.300
TARGET = 250.0
RATES = (50, 100, 150, 200, 250, 300, 350, 400, 500, 600, 800, 1000, 1200, 1500, 2000)
BODY = {"text": "Kauppatorille lisää penkkejä ja puita", "kind": "idea", "area": "keskusta",
        "channel": "omalahti", "district": "Keski-Lahti"}


def ladder(url: str, seconds: float, max_rate: float, processes: list) -> tuple[Step | None, list]:
    """Steps of rising rate until one fails; returns the best passing step and all steps."""
    run_step(url, 20, 2, BODY)  # warm up connections and code paths
    steps, best = [], None
    for rate in (r for r in RATES if r <= max_rate):
        before = [cpu_seconds(p) for p in processes]
        step = run_step(url, rate, seconds, BODY)
        step.cpu = [cpu_seconds(p) - b for p, b in zip(processes, before, strict=True)]
        steps.append(step)
        verdict = "pass" if step.passes(P99_LIMIT) else "FAIL"
        cores = " + ".join(f"{c / step.elapsed:.2f}" for c in step.cpu)
        print(f"  {rate:5d}/s: {len(step.latencies):6d} ok, errors {step.errors or 0}, "
              f"p50 {step.p(50) * 1000:6.1f} ms, p99 {step.p(99) * 1000:7.1f} ms, "
              f"CPU {cores} cores  {verdict}", flush=True)
        if not step.passes(P99_LIMIT):
            break
        best = step
        time.sleep(1)
    return best, steps


def bare(seconds: float, max_rate: float) -> Step | None:
    port = PORTS["gateway"] + 9
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"],
        cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"http://127.0.0.1:{port}/api/v1/feedback", json=BODY, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        print("bare FastAPI endpoint (uvicorn, one worker):")
        best, _ = ladder(f"http://127.0.0.1:{port}/api/v1/feedback", seconds, max_rate,
                         [psutil.Process(server.pid)])
        return best
    finally:
        server.terminate()
        server.wait(10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each step")
    parser.add_argument("--max-rate", type=float, default=2000)
    args = parser.parse_args(argv)
    print("gateway intake benchmark", machine())

    baseline = bare(args.seconds, args.max_rate)
    with local_stack("intake") as env, platform(
            env, ("feedback", "gateway"), REPO / ".stack" / "bench-logs" / "intake") as group:
        print("platform: gateway -> feedback -> FerretDB (outbox), relay -> Kafka "
              "(CPU: gateway + feedback + Kafka + FerretDB):")
        processes = [psutil.Process(group.processes[n].pid) for n in ("gateway", "feedback")]
        processes += list(stack_processes(env).values())
        best, steps = ladder(f"{group.url('gateway')}/api/v1/feedback", args.seconds,
                             args.max_rate, processes)
    # The same, with the broker unreachable: the relay only retries now and then, so the
    # database serves the submissions alone. Shows what the intake path itself sustains.
    broker_away = {"feedback": {"KUULTU_KAFKA_BOOTSTRAP": "127.0.0.1:9",
                                "KUULTU_CREATE_TOPICS": "false"}}
    with local_stack("intake") as env, platform(
            env, ("feedback", "gateway"), REPO / ".stack" / "bench-logs" / "intake-no-relay",
            broker_away) as group:
        print("the same with the broker away (relay idle; submissions wait in the outbox):")
        processes = [psutil.Process(group.processes[n].pid) for n in ("gateway", "feedback")]
        processes += list(stack_processes(env).values())
        path_best, _ = ladder(f"{group.url('gateway')}/api/v1/feedback", args.seconds,
                              args.max_rate, processes)

    def rate(step):
        return step.rate if step else 0

    limiting = steps[-1] if steps else None
    rows = [
        ("bare FastAPI, max rate (p99<=300ms, 0 errors)", f"{rate(baseline)}/s"
         + (f" (p99 {baseline.p(99) * 1000:.0f} ms)" if baseline else "")),
        ("gateway+feedback, max rate", f"{rate(best)}/s"
         + (f" (p50 {best.p(50) * 1000:.0f} ms, p99 {best.p(99) * 1000:.0f} ms)" if best else "")),
        ("ratio platform / bare", f"{rate(best) / rate(baseline):.2f}" if baseline else "n/a"),
        ("intake path alone (relay idle), max rate", f"{rate(path_best)}/s"
         + (f" (p99 {path_best.p(99) * 1000:.0f} ms)" if path_best else "")),
        ("target 250/s", "met" if rate(best) >= TARGET else "NOT met"),
    ]
    if best:
        cores = [c / best.elapsed for c in best.cpu]
        rows.append(("CPU at max rate (gateway, feedback, Kafka, FerretDB)",
                     " + ".join(f"{c:.2f}" for c in cores) + " cores"))
    if limiting and limiting is not best:
        rows.append(("first failing step", f"{limiting.rate}/s: errors {limiting.errors or 0}, "
                     f"p99 {limiting.p(99) * 1000:.0f} ms"))
    report("gateway intake", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
