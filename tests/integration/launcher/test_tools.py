"""A missing tool is one sentence, not a shell's `command not found`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_make_without_uv_says_how_to_get_it(tmp_path: Path) -> None:
    fake_python = tmp_path / "python3"
    fake_python.write_text("#!/bin/sh\nexit 1\n")  # pip cannot install uv either
    fake_python.chmod(0o755)
    make = shutil.which("make")
    assert make is not None
    done = subprocess.run(
        [make, "-s", "install", "UV=uv-not-installed"],
        cwd=ROOT,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("make: uv is not installed"), done.stderr
    assert "https://docs.astral.sh/uv/" in lines[0]


def test_bench_without_wrk_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.wrk import require_wrk

    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(SystemExit, match=r"(?s)need wrk.*apt-get install wrk"):
        require_wrk()
