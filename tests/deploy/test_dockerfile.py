"""The Dockerfile, linted without Docker (no engine on these machines): a multi-stage build
from a pinned base, whose final stage holds only the installed project and the schemas and
runs `kuultu serve $SERVICE` as a non-root user."""

import json
import re
import shlex
from dataclasses import dataclass, field

import pytest

from .conftest import PORTS, REPO

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
BUILD_TOOLS = re.compile(
    r"\b(gcc|g\+\+|cc|make|build-essential|git|curl|wget|pip\s+(install|wheel)|"
    r"apt-get\s+install|apk\s+add|poetry|uv)\b"
)


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) pairs, with comments dropped and continuation lines joined."""
    result, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.strip().partition(" ")
        result.append((keyword.upper(), args.strip()))
        current = ""
    return result


def stages() -> list[Stage]:
    found = []
    for keyword, args in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            found.append(Stage(words[0], name))
        else:
            assert found, f"{keyword} before the first FROM"
            found[-1].instructions.append((keyword, args))
    return found


def copy_sources(args: str) -> tuple[list[str], dict[str, str]]:
    """Sources of a COPY (the last word is the destination) and its --flags."""
    words = json.loads(args) if args.startswith("[") else shlex.split(args)
    flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--") and "=" in w)
    paths = [w for w in words if not w.startswith("--")]
    return paths[:-1], flags


@pytest.fixture(scope="module")
def all_stages() -> list[Stage]:
    assert DOCKERFILE.is_file(), "no Dockerfile at the repository root"
    return stages()


@pytest.fixture(scope="module")
def final(all_stages) -> Stage:
    return all_stages[-1]


def test_it_is_a_multi_stage_build(all_stages):
    assert len(all_stages) >= 2, "build in one stage, run from another"
    names = {s.name for s in all_stages}
    for stage in all_stages[1:]:
        for args in stage.all("COPY"):
            _, flags = copy_sources(args)
            if "from" in flags:
                assert flags["from"] in names, f"COPY --from an unknown stage: {args}"


def test_base_images_are_pinned_to_a_full_version(all_stages):
    stage_names = {s.name for s in all_stages}
    for stage in all_stages:
        if stage.image in stage_names:
            continue  # built on an earlier stage
        image = stage.image
        assert "$" not in image, f"{image}: say the base image itself, not a variable"
        if "@sha256:" in image:
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag, f"{image} has no tag"
        assert tag != "latest", f"{image}: never latest"
        assert re.match(r"^\d+\.\d+\.\d+", tag), f"{image}: pin a full version (x.y.z)"


def test_the_python_of_the_image_is_the_projects(all_stages):
    python = [s.image for s in all_stages if s.image.startswith("python:")]
    assert python and all(i.startswith("python:3.11.") for i in python), python


def test_the_final_stage_runs_as_a_non_root_user(final):
    users = final.all("USER")
    assert users, "the final stage sets no USER (it would run as root)"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"USER {users[-1]}"
    assert user.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    last_user = max(i for i, (kw, _) in enumerate(final.instructions) if kw == "USER")
    later_runs = [a for kw, a in final.instructions[last_user:] if kw == "RUN"]
    assert not later_runs, "nothing runs after switching to the service's user"


def test_the_final_stage_has_no_build_tools(final):
    for args in final.all("RUN"):
        assert not BUILD_TOOLS.search(args), f"build tooling in the final stage: RUN {args}"


def test_only_the_package_sources_and_schemas_are_copied(all_stages, final):
    stage_names = {s.name for s in all_stages}
    allowed_in_build = {"pyproject.toml", "services", "services/"}
    for stage in all_stages:
        for args in stage.all("ADD"):
            pytest.fail(f"ADD {args}: use COPY (ADD fetches URLs and unpacks archives)")
        for args in stage.all("COPY"):
            sources, flags = copy_sources(args)
            if flags.get("from") in stage_names:
                continue
            for source in sources:
                assert source not in (".", "./", "*"), f"COPY {args} copies the whole repository"
                if stage is final:
                    assert source.rstrip("/") == "schemas", f"final stage copies {source}"
                else:
                    assert source in allowed_in_build, f"build stage copies {source}"
    # the installed project (a virtualenv or wheels) comes from the build stage
    assert any(copy_sources(a)[1].get("from") in stage_names for a in final.all("COPY"))
    assert any(copy_sources(a)[0] in (["schemas/"], ["schemas"]) for a in final.all("COPY")), (
        "the event schemas are read at run time: copy schemas/ into the image")
    build_runs = " ".join(a for s in all_stages[:-1] for a in s.all("RUN"))
    assert re.search(r"pip\s+(install|wheel)\b[^&;]*\s\.(\s|$)", build_runs), (
        "the build stage installs the project from pyproject.toml (pip install .)")


def test_one_image_per_service_by_build_argument(final):
    args = [a.split("=")[0] for a in final.all("ARG")]
    assert "SERVICE" in args, "ARG SERVICE selects the service"
    text = DOCKERFILE.read_text(encoding="utf-8")
    for name in PORTS:
        assert name in text, f"the Dockerfile does not accept SERVICE={name}"
    command = (final.all("CMD") + final.all("ENTRYPOINT"))
    assert command, "no CMD/ENTRYPOINT"
    joined = " ".join(command)
    assert "kuultu serve" in joined or '"kuultu", "serve"' in joined, joined
    # the command names the service through $SERVICE or an ENV variable set from it
    from_arg = {"SERVICE"} | {
        name for name, value in re.findall(r"(\w+)=(\S+)", " ".join(final.all("ENV")))
        if re.fullmatch(r"\$\{?SERVICE\}?", value)
    }
    used = set(re.findall(r"\$\{?(\w+)\}?", joined))
    assert used & from_arg, f"the command does not depend on SERVICE: {joined}"
    if re.match(r'\[\s*"(/bin/)?(ba)?sh"', joined):
        assert "exec " in joined, "exec the service so it gets SIGTERM as PID 1"


def test_the_build_context_is_an_allow_list():
    assert DOCKERIGNORE.is_file(), "no .dockerignore"
    lines = [ln.strip() for ln in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert lines[0] == "*", ".dockerignore starts by excluding everything"
    included = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert included == {"pyproject.toml", "services", "schemas"}, included
