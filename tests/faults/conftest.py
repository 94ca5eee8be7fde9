"""Fault tests: each kills or stops part of the real local stack (the Kafka broker, FerretDB,
a service process) while the platform runs, then checks that nothing accepted was lost or
counted twice. They run on a stack of their own, which `make test-faults` starts fresh, and
only when KUULTU_FAULT_TESTS=1: they SIGKILL that stack's servers."""

import os
import shutil
import signal
from pathlib import Path

import pytest

from services.common.config import env_flag
from services.common.kafka_bus import ensure_topics
from services.common.topology import DOMAIN_TOPICS, SERVICES
from services.runstack import ProcessGroup, platform_env
from tests.faults.observe import KAFKA
from tests.faults.stack import COMPONENTS, LocalStack

ENABLED = env_flag("KUULTU_FAULT_TESTS", False)
STACK = LocalStack.from_env()
# The gateway at the base port, each service at base + its offset (feedback 8001 -> +1),
# extra evaluation members at base + 6 and up.
PORT_BASE = int(os.environ.get("KUULTU_TEST_PLATFORM_PORT", "18200"))
PORTS = {"gateway": PORT_BASE,
         **{name: PORT_BASE + spec.port - 8000 for name, spec in SERVICES.items()}}
_FIGURES: list[tuple[str, dict]] = []


@pytest.fixture(scope="session")
def local_stack() -> LocalStack:
    if not ENABLED:
        # Not a hidden failure: only a bare `pytest tests/faults` gets here. `make test` (so CI)
        # runs the main suite without tests/faults, then `make test-faults`, which sets
        # KUULTU_FAULT_TESTS and gives them a stack of their own (they kill its servers).
        pytest.skip("fault tests kill the stack's servers; run them with `make test-faults`")
    problem = None
    if STACK is None:
        problem = "KUULTU_STACK_DIR, KUULTU_KAFKA_BOOTSTRAP and KUULTU_MONGO_URI must name the stack"
    elif not all(STACK.running(c) for c in COMPONENTS):
        problem = f"the stack in {STACK.directory} is not running (deploy/local/stack.sh up)"
    if problem:
        pytest.fail(problem)
    ensure_topics(KAFKA, DOMAIN_TOPICS)
    return STACK


class Platform:
    """The slice's processes (feedback, evaluation, gateway), each a real `kuultu serve`
    process; more evaluation members as "evaluation#2" etc. on ports of their own."""

    def __init__(self, log_dir: Path):
        env = platform_env(dict(os.environ))
        env["KUULTU_FEEDBACK_RATE_LIMIT"] = "off"  # the load comes from one address
        env.update({f"KUULTU_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                    for name, port in PORTS.items() if name != "gateway"})
        self.group = ProcessGroup(env=env, log_dir=log_dir)

    def start(self, *names: str) -> None:
        for name in names:
            base, _, number = name.partition("#")
            port = PORTS[base] if not number else PORT_BASE + 4 + int(number)
            self.group.start(name, port)
        for name in names:
            self.group.wait_ready(name, timeout=90)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, nothing is committed or flushed."""
        self.group.stop(name, signal.SIGKILL)

    def url(self, name: str) -> str:
        return self.group.url(name)

    @property
    def gateway(self) -> str:
        return self.group.url("gateway")


@pytest.fixture
def platform(local_stack, request):
    log_dir = Path(local_stack.directory) / "logs" / "faults" / request.node.name
    shutil.rmtree(log_dir, ignore_errors=True)  # the logs of this run only
    started = Platform(log_dir)
    try:
        yield started
    finally:
        started.group.stop_all()
        for component in COMPONENTS:  # whatever the test did, leave the stack running
            local_stack.up(component)


@pytest.fixture
def figures(request):
    """Records a test's measured numbers: printed, and listed at the end of the run."""

    def record(**numbers):
        print(f"\n{request.node.name}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))
        _FIGURES.append((request.node.name, numbers))

    return record


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section("fault test figures")
    for name, numbers in _FIGURES:
        terminalreporter.write_line(name)
        for key, value in numbers.items():
            terminalreporter.write_line(f"    {key}: {value}")
