"""Dockerfile and .dockerignore: locked uv build, slim non-root runtime, one image for all."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from tests.support.deploy_files import DOCKERIGNORE, ROOT, processes
from tests.support.dockerfile import Stage, parse_dockerfile


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile()[1]


def test_is_multi_stage_from_a_slim_python_311(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    runtime = stages[-1]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", runtime.base), runtime.base
    build = next(s for s in stages if s.name == "build")
    assert build.base == runtime.base, "the venv's interpreter path must exist at runtime"


def test_dependencies_come_from_the_committed_lock(stages: list[Stage]) -> None:
    build = next(s for s in stages if s.name == "build")
    runs = build.args("RUN")
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs, "the build installs with uv sync"
    for run in syncs:
        assert "--frozen" in run and "--no-dev" in run, run
    assert any("--no-editable" in r for r in syncs), "the runtime must not need the source tree"
    copied = " ".join(build.args("COPY"))
    for name in ("pyproject.toml", "uv.lock", "README.md", "src"):
        assert name in copied, name


def test_runtime_stage_runs_as_a_numeric_non_root_user(stages: list[Stage]) -> None:
    runtime = stages[-1]
    users = runtime.args("USER")
    assert users, "the runtime stage switches user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric, so runAsNonRoot can verify it"
    assert not any("uv " in r for r in runtime.args("RUN")), "no build tooling at runtime"
    assert any(a.startswith("--from=build") for a in runtime.args("COPY"))


def test_default_command_is_the_gateway_and_exec_form(stages: list[Stage]) -> None:
    runtime = stages[-1]
    (cmd,) = runtime.args("CMD")
    assert json.loads(cmd) == ["python", "-m", processes()["gateway"].module]
    assert not runtime.args("ENTRYPOINT"), "so `docker run shop python -m shop.users` works"


def test_exposes_every_contract_port(stages: list[Stage]) -> None:
    exposed = {int(p.split("/")[0]) for arg in stages[-1].args("EXPOSE") for p in arg.split()}
    expected = {port for p in processes().values() for port in (p.rest_port, p.grpc_port) if port}
    assert exposed == expected


def test_runtime_env_suits_a_read_only_root(stages: list[Stage]) -> None:
    env = " ".join(stages[-1].args("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "DATA_DIR=/data" in env
    build_env = " ".join(next(s for s in stages if s.name == "build").args("ENV"))
    assert "UV_COMPILE_BYTECODE=1" in build_env


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path, or one of its parents, decides."""

    def regex(pattern: str) -> re.Pattern[str]:
        out = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out)

    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        compiled = regex(raw.lstrip("!").strip("/"))
        if any(compiled.fullmatch(c) for c in candidates):
            ignored = not negate
    return ignored


def test_dockerignore_sends_only_what_the_build_needs() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = ["pyproject.toml", "uv.lock", pyproject["project"]["readme"]]
    needed += [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")][:50]
    needed += [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.mako")]
    for path in needed:
        assert not _ignored(path, patterns), f"{path} is needed by the build"
    unwanted = [
        ".venv/bin/python",
        ".git/HEAD",
        "var/users.db",
        "tests/conftest.py",
        "deploy/.env",
        "deploy/k8s/overlays/production/secrets.env",
        "src/shop/__pycache__/x.pyc",
        ".mypy_cache/x",
    ]
    for path in unwanted:
        assert _ignored(path, patterns), f"{path} must stay out of the build context"
