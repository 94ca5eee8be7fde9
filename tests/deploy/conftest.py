"""Fixtures for the deployment checks: the rendered kustomize overlays and the event catalogue.

The tools come from the project's own install step (deploy/k8s/tools.sh builds kustomize
with Go; kubernetes-validate is a dev dependency). Without them these tests skip on a
developer's machine but fail under CI=true, so CI can never pass without checking.
"""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")

# The platform's parts and their HTTP ports (the project's fixed conventions).
PORTS = {
    "gateway": 8000,
    "feedback": 8001,
    "tables": 8002,
    "projects": 8003,
    "evaluation": 8004,
    "notifications": 8005,
}
SERVICES = [name for name in PORTS if name != "gateway"]  # the nameko services


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """A missing tool: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the deployment checks must run)")
    pytest.skip(reason)  # outside CI only: under CI=true this failed above


@pytest.fixture(scope="session")
def catalogue() -> dict[str, str]:
    """Event topics of the AsyncAPI catalogue: address -> owner service."""
    doc = yaml.safe_load((REPO / "schemas" / "asyncapi.yaml").read_text(encoding="utf-8"))
    topics = {ch["address"]: ch["x-owner"] for ch in doc["channels"].values()}
    assert topics, "the catalogue lists no topics"
    return topics


@pytest.fixture(scope="session")
def kustomize() -> str:
    try:
        proc = subprocess.run(
            ["bash", str(K8S / "tools.sh")], cwd=REPO, capture_output=True, text=True,
            timeout=900,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"deploy/k8s/tools.sh could not run: {exc}")
    if proc.returncode != 0:
        unavailable(f"deploy/k8s/tools.sh failed:\n{proc.stderr[-3000:]}")
    path = proc.stdout.strip().splitlines()[-1]
    assert Path(path).is_file(), f"tools.sh printed {path!r}, which is not a file"
    return path


@pytest.fixture(scope="session")
def rendered(kustomize) -> dict[str, list[dict]]:
    """overlay name -> the resources `kustomize build deploy/k8s/overlays/<name>` renders."""
    out = {}
    for overlay in OVERLAYS:
        proc = subprocess.run(
            [kustomize, "build", str(K8S / "overlays" / overlay)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, f"kustomize build overlays/{overlay} failed:\n{proc.stderr}"
        out[overlay] = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    return out


@pytest.fixture(scope="session")
def kubernetes_validate():
    try:
        import kubernetes_validate
    except ImportError:
        unavailable("kubernetes-validate is not installed (pip install -e '.[dev]')")
    return kubernetes_validate
