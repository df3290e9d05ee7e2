"""The orders section of bench/RESULTS.md: the machine's busy share beside each run."""

from __future__ import annotations

from typing import Any

from bench.report import _orders


def _run(connections: int, **extra: Any) -> dict[str, Any]:
    return {
        "connections": connections,
        "orders_per_s": 100.0,
        "latency_ms": {"p50": 20.0, "p99": 90.0},
        "cpu_ms_per_order": {"orders": 5.5, "postgresql (our backends)": 1.2},
        **extra,
    }


def test_each_run_shows_how_busy_the_machine_was_or_a_dash_for_older_runs() -> None:
    part = {
        "pgbench": {"inserts_per_s": 20000.0},
        "single": {"replicas": "one of each", "runs": [_run(32, machine_busy_pct=97.5)]},
        "replicated": {"replicas": "orders=2", "runs": [_run(32)]},
    }
    rows = _orders(part)
    assert "CPUs busy" in rows[2]
    assert "| one of each | 32 | 100.0 | 0.50% | 20.0 | 90.0 | 97.5% | orders 5.5" in rows[4]
    assert "| orders=2 | 32 | 100.0 | 0.50% | 20.0 | 90.0 | - | orders 5.5" in rows[5]
