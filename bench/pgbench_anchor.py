"""The database's own ceiling: pgbench committing single-row INSERTs on the same server.

Orders/s only means something next to what the server can commit at all on the same
machine at the same moment; the order benchmark reports itself as a ratio to this. One
10-second run of it moves by up to a quarter from run to run on these VMs (17,800 to 23,500
inserts/s within ten minutes on one machine, nothing else running), more than the order
figure does, so the benchmark samples it around its own runs and takes the median
(`median_anchor`).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.support.databases import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
)

_SCRIPT = "INSERT INTO anchor (v) VALUES (1);\n"


def pgbench_inserts(*, clients: int = 32, seconds: int = 10) -> dict[str, Any]:
    """Committed single-row inserts per second at `clients` connections (autocommit)."""
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is required (apt-get install postgresql-client)")
    name, url = create_postgres_database("shop_bench_anchor")
    try:
        subprocess.run(
            ["psql", url, "-qc", "CREATE TABLE anchor (id bigserial PRIMARY KEY, v int)"],
            check=True,
            capture_output=True,
        )
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "insert.sql"
            script.write_text(_SCRIPT)
            command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
            out = subprocess.run(
                [*command, "-f", str(script), url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    finally:
        drop_postgres_database(name)
    tps = re.search(r"tps = ([\d.]+)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    assert tps, out
    return {
        "clients": clients,
        "inserts_per_s": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "server": POSTGRES_ADMIN_URL.rsplit("@", 1)[-1].rsplit("/", 1)[0],
    }


def median_anchor(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """One anchor from several pgbench runs: the median rate, and every run's beside it."""
    rates = [s["inserts_per_s"] for s in samples]
    latencies = [s["latency_avg_ms"] for s in samples if s["latency_avg_ms"] is not None]
    return {
        **samples[0],
        "inserts_per_s": round(statistics.median(rates), 1),
        "latency_avg_ms": round(statistics.median(latencies), 3) if latencies else None,
        "samples_inserts_per_s": rates,
    }


if __name__ == "__main__":
    print(pgbench_inserts())
