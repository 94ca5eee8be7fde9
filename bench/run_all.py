"""Runs every benchmark in bench/ one after the other, each on a fresh local stack of its own
(started and removed by the benchmark, see bench/harness.py), and prints their figures.
`make bench` runs this. The figures and what limits them are written up in bench/RESULTS.md.

    .venv/bin/python bench/run_all.py [--only NAME ...]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.harness import local_stack, machine  # noqa: E402

# (script, needs a stack passed in through the environment)
BENCHMARKS = [
    ("gateway_intake.py", False),
    ("event_path.py", False),
    ("e2e_latency.py", False),
    ("impact_latency.py", False),
    ("replay.py", True),  # evaluation rebuild by replay; takes its stack from the environment
]


def run(script: str, env: dict | None) -> int:
    started = time.monotonic()
    print(f"\n######## {script}", flush=True)
    status = subprocess.run([sys.executable, str(BENCH / script)], cwd=BENCH.parent,
                            env=env).returncode
    print(f"######## {script}: exit {status} after {time.monotonic() - started:.0f}s",
          flush=True)
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="script names to run, e.g. e2e_latency.py")
    args = parser.parse_args(argv)
    print("benchmarks on", machine())
    failed = []
    for script, needs_stack in BENCHMARKS:
        if args.only and script not in args.only:
            continue
        if not (BENCH / script).exists():
            print(f"\n######## {script}: not present, skipped")
            continue
        if needs_stack:
            with local_stack(script.removesuffix(".py")) as env:
                status = run(script, env)
        else:
            status = run(script, None)
        if status:
            failed.append(script)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
