"""The orders section of bench/RESULTS.md: the machine's busy share beside each run."""

from __future__ import annotations

from typing import Any

from bench.orders.__main__ import median_run, ratios, repeated_at_32
from bench.orders.replica_costs import cpu_per_order_two_vs_one
from bench.pgbench_anchor import median_anchor
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


def test_the_anchor_is_the_median_of_its_samples_and_the_table_shows_each() -> None:
    samples = [
        {"clients": 32, "inserts_per_s": rate, "latency_avg_ms": latency, "server": "db:5432"}
        for rate, latency in ((21000.0, 1.5), (17800.0, 1.8), (23500.0, 1.4))
    ]
    anchor = median_anchor(samples)
    assert anchor["inserts_per_s"] == 21000.0
    assert anchor["latency_avg_ms"] == 1.5
    assert anchor["samples_inserts_per_s"] == [21000.0, 17800.0, 23500.0]
    rows = _orders({"pgbench": anchor, "single": {"replicas": "one", "runs": [_run(32)]}})
    assert rows[0].endswith("21,000.0 /s (median of 21,000.0, 17,800.0, 23,500.0)")
    assert "| one | 32 | 100.0 | 0.48% |" in rows[4]


def test_thirty_two_connections_run_repeat_times_and_the_ratios_take_the_median_run() -> None:
    assert repeated_at_32([1, 16, 32, 64], 3) == [1, 16, 32, 32, 32, 64]
    assert repeated_at_32([32], 0) == [32]
    single = [_run(16), *(_run(32, orders_per_s=r) for r in (310.0, 290.0, 350.0)), _run(64)]
    replicated = [_run(32, orders_per_s=r) for r in (300.0, 280.0, 330.0)]
    median = median_run(single)
    assert median is not None and median["orders_per_s"] == 310.0
    two = median_run([_run(32, orders_per_s=r) for r in (1.0, 2.0)])
    assert two is not None and two["orders_per_s"] == 1.0  # the lower of the middle two
    result = {
        "pgbench": {"inserts_per_s": 20000.0},
        "single": {"runs": single},
        "replicated": {"runs": replicated},
    }
    assert ratios(result) == {
        "orders_per_s_32": 310.0,
        "p99_ms_32": 90.0,
        "share_of_pgbench_inserts_pct": 1.55,
        "two_order_replicas_vs_one": round(300.0 / 310.0, 2),
    }
    assert median_run([_run(16)]) is None


def test_two_replicas_are_compared_with_the_one_replica_runs_taken_in_turn_with_them() -> None:
    one = [_run(32, orders_per_s=r) for r in (300.0, 320.0, 310.0)]
    two = [_run(32, orders_per_s=r) for r in (330.0, 280.0, 341.0)]
    result = {
        "pgbench": {"inserts_per_s": 20000.0},
        "single": {"replicas": "one of each", "runs": [_run(32, orders_per_s=500.0)]},
        "replicated": {
            "replicas": "orders=2",
            "runs": two,
            "paired_one": {"replicas": "one of each (paired)", "runs": one},
        },
    }
    assert ratios(result)["two_order_replicas_vs_one"] == round(330.0 / 310.0, 2)
    rows = _orders(result)
    assert sum("| one of each (paired) | 32 |" in row for row in rows) == 3
    assert sum("| orders=2 | 32 |" in row for row in rows) == 3


def test_what_two_replicas_cost_per_order_is_the_median_over_the_pairs_process_by_process() -> None:
    def run(orders: float, postgresql: float) -> dict[str, Any]:
        cpu = {"orders": orders, "postgresql (our backends)": postgresql}
        return _run(32, cpu_ms_per_order=cpu)

    one = [run(1.0, 2.0), run(1.0, 2.0), run(2.0, 2.0)]
    two = [run(1.5, 2.0), run(1.2, 3.0), run(2.0, 2.0)]
    replicated = {"runs": two, "paired_one": {"runs": one}}
    assert cpu_per_order_two_vs_one(replicated) == {
        "orders": 1.2,
        "postgresql": 1.0,
        "all processes": round(3.5 / 3.0, 2),
    }
    assert cpu_per_order_two_vs_one({"runs": two}) == {}
    result = {
        "pgbench": {"inserts_per_s": 20000.0},
        "single": {"runs": one},
        "replicated": replicated,
    }
    assert ratios(result)["CPU per order, two order replicas / one, orders"] == 1.2
