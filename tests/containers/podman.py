"""The podman command line, as the container tests call it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PODMAN = os.environ.get("PODMAN", "podman")
# runc + cgroupfs, no default ulimits: what podman needs on this kind of machine. The
# Makefile sets CONTAINERS_CONF; a run straight from pytest gets the same file.
CONTAINERS_CONF = Path(__file__).with_name("containers.conf")


class PodmanError(RuntimeError):
    """A podman command failed; the message carries its stderr."""


def podman(
    *args: str,
    timeout: float = 120,
    stdin: Any = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs `podman ARGS`; raises PodmanError with its stderr when it fails and check is set.

    `env` is added to podman's own environment, where `--env NAME` (no value) takes it from:
    secrets then never appear on a command line.
    """
    result = subprocess.run(
        [PODMAN, *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"CONTAINERS_CONF": str(CONTAINERS_CONF), **os.environ, **(env or {})},
        check=False,
    )
    if check and result.returncode != 0:
        raise PodmanError(f"podman {' '.join(args[:3])} ...: {result.stderr.strip()[-2000:]}")
    return result


def missing_tools() -> list[str]:
    """What `make test-containers` needs and this machine lacks (.ci/run installs them)."""
    return [tool for tool in (PODMAN, "runc") if shutil.which(tool) is None]


def image_exists(reference: str) -> bool:
    return podman("image", "exists", reference, check=False).returncode == 0


def inspect(kind: str, name: str) -> dict[str, Any]:
    (data,) = json.loads(podman(kind, "inspect", name).stdout)
    result: dict[str, Any] = data
    return result
