"""`make run-stack`: each service and the gateway as its own process on the real stack.

Also used by the integration tests to start the platform exactly as an operator would.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from services.common.topology import GATEWAY_PORT, SERVICES


@dataclass
class ProcessGroup:
    """Starts `kuultu serve NAME` processes, waits until each is ready, stops them all."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start(self, name: str, port: int, extra_env: dict[str, str] | None = None) -> None:
        env = {**self.env, "KUULTU_HTTP_ADDRESS": f"127.0.0.1:{port}", **(extra_env or {})}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", name.split("#")[0]],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.ports[name] = port

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited early; see {self.log_dir / (name + '.log')}")
            try:
                with urllib.request.urlopen(self.url(name) + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{name} not ready after {timeout}s; see {self.log_dir}")

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def platform_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(base or os.environ)
    env.setdefault("KUULTU_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    env.setdefault("KUULTU_MONGO_URI", "mongodb://127.0.0.1:27027/")
    env.setdefault("KUULTU_CREATE_TOPICS", "true")
    env.setdefault("KUULTU_DEV_ISSUER", "true")  # local runs: `kuultu dev-token` works
    return env


def main() -> int:
    env = platform_env()
    subprocess.run([sys.executable, "-m", "services.cli", "topics"], env=env, check=True)
    group = ProcessGroup(env=env, log_dir=Path(".stack/logs"))
    try:
        for name, spec in SERVICES.items():
            group.start(name, spec.port)
        group.start("gateway", int(os.environ.get("KUULTU_PORT", GATEWAY_PORT)))
        for name in group.processes:
            group.wait_ready(name)
        print(f"kuultu (real stack) is running at {group.url('gateway')}; logs in .stack/logs/."
              " Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in group.processes.values()):
            time.sleep(1)
        print("a service exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        group.stop_all()


if __name__ == "__main__":
    sys.exit(main())
