"""`make bench`: every benchmark, then one JSON file and one markdown table of the run.

1. the gateway (ours under uvicorn and granian, the Express baseline built from npm, and
   nginx as the ceiling), each proxying the same constant upstream (bench.gateway);
2. order placement, full saga, at 1/16/32/64 connections, a hot product, two order
   replicas, and the pgbench insert anchor (bench.orders);
3. catalog and order-list queries at 10k, 100k and 1M rows (bench.catalog);
4. login at 1/16/64 connections, one argon2id verification timed apart (bench.login).
Each writes its own JSON under bench/results/; this writes bench-<time>.json with all of
them and the machine's description, bench/RESULTS.md, the table bench/README.md shows, and
bench/plot.png, throughput and p99 against connections.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.plot import plot
from bench.report import markdown
from bench.wrk import require_wrk

RESULTS = Path(__file__).parent / "results"
STEPS = {"gateway": "gateway-", "orders": "orders-", "catalog": "catalog-", "login": "login-"}


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "note": "everything on one machine: load tool, platform, databases, broker",
    }


def newest(prefix: str) -> dict[str, Any] | None:
    files = sorted(RESULTS.glob(f"{prefix}2*.json"))
    return json.loads(files[-1].read_text()) if files else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"steps to run ({','.join(STEPS)}); the others come from their newest results",
    )
    only = parser.parse_args().only.split(",")
    require_wrk()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run: dict[str, Any] = {"when": stamp, "machine": machine()}
    failed = 0
    for step, prefix in STEPS.items():
        load = Path("/proc/loadavg").read_text().split()[:3]
        if step not in only:
            previous = newest(prefix)
            run[step] = previous or {"failed": True}
            if previous is not None:  # its own record of the load it ran under
                run[step]["load_average_at_start"] = previous.get("load_average_before", [])
            continue
        done = subprocess.run([sys.executable, "-m", f"bench.{step}"], check=False)
        failed |= done.returncode
        result = newest(prefix) if done.returncode == 0 else None
        run[step] = {"load_average_at_start": load, **(result or {"failed": True})}
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(run, indent=2) + "\n")
    plot(run, path.with_suffix(".png"))
    plot(run, Path(__file__).parent / "plot.png")  # the one bench/README.md shows
    table = markdown(run)
    (Path(__file__).parent / "RESULTS.md").write_text(table)
    print(table)
    print(f"wrote {path} and bench/RESULTS.md")
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
