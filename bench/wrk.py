"""Runs wrk (the load tool) and reads its figures from a Lua done() hook as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

from bench.system_packages import find_or_install

GET_SCRIPT = Path(__file__).parent / "get.lua"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def loopback(url: str) -> str:
    """The URL, if it is on this machine: benchmarks never send load anywhere else."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing non-loopback target {url}")
    return url.rstrip("/")


def require_wrk() -> None:
    """wrk on PATH, installed from the system packages when we may (root with apt-get)."""
    if find_or_install("wrk", "wrk") is not None:
        return
    raise SystemExit(
        "The benchmarks need wrk, the HTTP load tool, and it is not installed.\n"
        "  Debian/Ubuntu: sudo apt-get install wrk    macOS: brew install wrk\n"
        "then run `make bench` again."
    )


def run_wrk(
    *,
    base: str,
    path: str,
    headers: dict[str, str] | None = None,
    connections: int = 32,
    threads: int = 2,
    duration: int = 10,
    script: Path = GET_SCRIPT,
    timeout_s: int = 2,
    script_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One wrk run of GET base+path; requests/s and latency percentiles in ms."""
    env = {**os.environ, "BENCH_PATH": path, "BENCH_HEADERS": json.dumps(headers or {})}
    env.update(script_env or {})  # what a script of its own reads (e.g. its accounts file)
    command = [
        "wrk",
        f"-t{min(threads, connections)}",  # wrk refuses more threads than connections
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(script),
        loopback(base),
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    stats: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    stats["requests_per_s"] = round(stats["requests"] / (stats["duration_us"] / 1e6), 1)
    return stats
