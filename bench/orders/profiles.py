"""Every Python process of the platform under pyinstrument, and a flat summary of each.

A sampling profile of the whole process's main thread, timed by its CPU clock (see
cpu_sampled): the event loop's own frames then hold only its C work (sockets, timers),
reported apart with the imports, and the rest is where the Python CPU went. The profiler
costs each process some CPU: the CPU per order measured in a profiled sweep is inflated,
so compare it only with another profiled sweep.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from pyinstrument.session import Session
from tests.support.stack import Stack

from shop.launcher.specs import SERVICES, START_ORDER, service_of

TOP = 25


def start_profiled(stack: Stack, out_dir: Path) -> dict[str, Path]:
    """Restarts every process (replicas too) under pyinstrument; where each profile goes."""
    paths: dict[str, Path] = {}
    for name in sorted(stack.supervisor.procs, key=lambda n: START_ORDER.index(service_of(n))):
        stack.stop(name)
        paths[name] = out_dir / f"{name}.pyisession"
        command = [sys.executable, "-m", "bench.orders.cpu_sampled", "-r", "pyisession"]
        command += ["-o", str(paths[name]), "-m", SERVICES[service_of(name)].module]
        log = (stack.log_dir / f"{name}-profiled.log").open("ab")
        proc = subprocess.Popen(command, env=stack.env, stdout=log, stderr=subprocess.STDOUT)
        stack.supervisor.procs[name] = proc
        stack.supervisor.wait_ready(name)
    return paths


def stop_profiled(stack: Stack, paths: dict[str, Path]) -> None:
    """SIGTERM each profiled process: it stops cleanly and pyinstrument writes its file."""
    for name in reversed(list(paths)):
        proc = stack.supervisor.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def _frame(record: str) -> tuple[str, str]:
    """pyinstrument's 'function\0path\0line\1...' -> (function, short path)."""
    function, path = [*record.split("\x00"), ""][:2]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            return function, path.split(marker, 1)[1]
    return function, path


def _idle(function: str, path: str) -> bool:
    # uvloop runs its loop in C: its own work (sockets, timers) lands on the Python frame
    # that started it.
    return path.startswith("asyncio/") and function in {"run", "run_until_complete", "run_forever"}


def _package(path: str) -> str:
    top = path.split("/", 1)[0]
    return "stdlib" if top.endswith(".py") or top.startswith("<") else top


def summarise(path: Path) -> str:
    """Busy seconds, then the top functions by own time, by library, and our code's totals."""
    records = Session.load(str(path)).frame_records
    own: dict[str, float] = defaultdict(float)
    library: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    entry: dict[str, float] = defaultdict(float)  # what the event loop called
    startup = idle = busy = 0.0
    for stack, seconds in records:
        frames = [_frame(f) for f in stack]
        if any(p.startswith("<frozen importlib") for _, p in frames):
            startup += seconds
            continue
        function, where = frames[-1]
        if _idle(function, where):
            idle += seconds
            continue
        busy += seconds
        loop = [i for i, (f, p) in enumerate(frames) if _idle(f, p)]
        if not loop:
            # SQLAlchemy runs its sync half in greenlets, whose stacks start there.
            entry["(outside the loop's stack: SQLAlchemy's greenlets, start-up)"] += seconds
        elif loop[-1] + 1 < len(frames):
            entry[" ".join(frames[loop[-1] + 1])] += seconds
        own[f"{function}  {where}"] += seconds
        library[_package(where)] += seconds
        for label in {f"{f}  {p}" for f, p in frames if p.startswith("shop/")}:
            total[label] += seconds

    def top(table: dict[str, float]) -> list[str]:
        ranked = sorted(table.items(), key=lambda kv: -kv[1])[:TOP]
        return [f"  {100 * s / max(busy, 1e-9):5.1f}%  {label}" for label, s in ranked]

    return "\n".join(
        [
            f"## {path.stem}: CPU {busy:.1f} s in Python frames, {idle:.1f} s in the event loop's "
            f"C work, {startup:.1f} s importing",
            "",
            "own time by library (% of the CPU in Python frames):",
            *top(library),
            "",
            "what the event loop ran (a request, a callback, a background loop):",
            *top(entry),
            "",
            f"own time by function (top {TOP}):",
            *top(own),
            "",
            f"our code, total time including callees (top {TOP}):",
            *top(total),
            "",
        ]
    )
