"""Kills and restarts the servers of the local stack the fault tests run on, through
deploy/local/stack.sh with that stack's own folder and ports, so no other stack is touched."""

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.sh"
COMPONENTS = ("kafka", "ferretdb")


@dataclass(frozen=True)
class LocalStack:
    directory: str
    kafka_port: int
    controller_port: int
    mongo_port: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "LocalStack | None":
        """The stack the platform is configured for; None unless KUULTU_STACK_DIR names it
        (the tests never fall back to the developer's default stack)."""
        directory = env.get("KUULTU_STACK_DIR")
        bootstrap = env.get("KUULTU_KAFKA_BOOTSTRAP")
        mongo_uri = env.get("KUULTU_MONGO_URI")
        if not (directory and bootstrap and mongo_uri):
            return None
        kafka_port = int(bootstrap.split(",")[0].rpartition(":")[2])
        mongo_port = int(mongo_uri.split("//", 1)[1].split("/", 1)[0].rpartition(":")[2])
        controller = int(env.get("KUULTU_KAFKA_CONTROLLER_PORT") or kafka_port + 1)
        return cls(directory, kafka_port, controller, mongo_port)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KUULTU_STACK_DIR": self.directory,
            "KUULTU_KAFKA_PORT": str(self.kafka_port),
            "KUULTU_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KUULTU_MONGO_PORT": str(self.mongo_port),
        }

    def _run(self, *args: str) -> float:
        """Runs one stack.sh command; returns how long it took in seconds."""
        started = time.monotonic()
        done = subprocess.run(["bash", str(SCRIPT), *args], env=self._env(),
                              capture_output=True, text=True, timeout=240)
        if done.returncode != 0:
            raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return time.monotonic() - started

    def kill(self, component: str) -> float:
        """SIGKILL, data kept."""
        return self._run("kill", component)

    def down(self, component: str) -> float:
        """Graceful stop (SIGTERM)."""
        return self._run("down", component)

    def up(self, component: str) -> float:
        """Starts it on its data and waits until it is ready (a no-op check if it runs)."""
        return self._run("up", component)

    def running(self, component: str) -> bool:
        done = subprocess.run(["bash", str(SCRIPT), "status"], env=self._env(),
                              capture_output=True, text=True, timeout=30)
        return any(line.split()[:2] == [component, "running"] for line in done.stdout.splitlines())
