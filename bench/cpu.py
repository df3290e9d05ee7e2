"""CPU used by each process of the platform (and the servers it talks to), from /proc.

The servers are shared with whatever else runs on the machine: PostgreSQL is counted per
backend serving our databases only; MariaDB and RabbitMQ are single processes, counted
whole, so their figures include any other load at the same time (said in the output).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.databases import POSTGRES_ADMIN_URL

_TICK = os.sysconf("SC_CLK_TCK")
RESULTS = Path(__file__).parent / "results"


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far; 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name, utime and stime are the 12th and 13th fields.
    return (int(fields[11]) + int(fields[12])) / _TICK


def thread_cpu_seconds(pid: int) -> float:
    """On-CPU time of the process's main thread from /proc/<pid>/schedstat, at nanosecond
    precision; 0.0 once it is gone. For single-threaded processes such as PostgreSQL
    backends: /proc/<pid>/stat counts 10 ms ticks, and a bench's dozen pooled backends
    each lose up to a tick per reading, which is as much as the change being measured."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, IndexError, ValueError):
        return cpu_seconds(pid)


def pids_named(name: str) -> list[int]:
    """Every process whose command is `name` (e.g. mariadbd, beam.smp)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def with_children(pid: int) -> list[int]:
    """The process and every descendant (a server's worker processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, ValueError):
                continue
    family, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        family += frontier
    return family


def postgres_backends(databases: list[str]) -> list[int]:
    """The PostgreSQL backends connected to these databases right now."""
    names = ",".join(f"'{d}'" for d in databases)
    out = subprocess.run(
        [
            "psql",
            POSTGRES_ADMIN_URL,
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname IN ({names})",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [int(line) for line in out.split() if line.isdigit()]


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU since boot, from /proc/stat's first line."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # idle and iowait are the 4th and 5th fields; guest time is already inside user time.
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


class MachineBusy:
    """The share of all CPUs busy (anyone's work) between start() and stop(), in percent."""

    def start(self) -> None:
        self._before = machine_jiffies()

    def stop(self) -> float:
        busy, total = machine_jiffies()
        return round(100 * (busy - self._before[0]) / max(total - self._before[1], 1), 1)


class CpuMeter:
    """CPU seconds per group of processes between start() and stop()."""

    def __init__(
        self,
        groups: Mapping[str, Callable[[], list[int]]],
        *,
        reader: Callable[[int], float] = cpu_seconds,
    ) -> None:
        self._groups = groups
        self._read = reader
        self._before: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self._before = {
            name: {pid: self._read(pid) for pid in pids()} for name, pids in self._groups.items()
        }

    def stop(self) -> dict[str, float]:
        used = {}
        for name, pids in self._groups.items():
            before = self._before.get(name, {})
            # Processes started since start() count from zero; ones gone since are lost.
            now = {pid: self._read(pid) for pid in set(pids()) | set(before)}
            used[name] = sum(max(0.0, now[pid] - before.get(pid, 0.0)) for pid in now)
        return used


def write_call_results(
    name: str, *, calls: int, rounds: int, in_flight: int, figures: Mapping[str, Any]
) -> Path:
    """bench/results/<name>-<UTC time>.json: a per-call CPU bench's settings, the machine's
    load average, then its figures; printed and returned."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    meta = {"calls": calls, "rounds": rounds, "in_flight": in_flight, "load": os.getloadavg()}
    out.write_text(json.dumps({**meta, **figures}, indent=2))
    print(f"written {out}")
    return out
