"""Small `make bench` run dicts, shaped like what bench/__main__.py writes."""

from __future__ import annotations

from typing import Any


def login_part() -> dict[str, Any]:
    return {
        "argon2_verify": {"p50_ms": 120.5, "min_ms": 98.25},
        "runs": [
            {
                "connections": connections,
                "logins_per_s": rate,
                "non_2xx": 0,
                "socket_errors": timeouts,
                "latency_ms": {"p50": p99 / 2, "p90": p99, "p99": p99, "max": p99},
                "cpu_ms_per_login": {"gateway": 2.0, "users": 150.0},
                "argon2_share_of_users_cpu": 0.8,
            }
            for connections, rate, p99, timeouts in ((1, 7.5, 180.0, 0), (16, 12.25, 1400.5, 3))
        ],
    }


def full_run() -> dict[str, Any]:
    gateway = [
        {"server": server, "scenario": scenario, "connections": c, "requests_per_s": 1000.0 * c,
         "p50_ms": 1.0, "p99_ms": 10.0 * c}
        for server in ("uvicorn", "express")
        for scenario in ("public", "jwt")
        for c in (1, 16, 64)
    ]  # fmt: skip
    orders_runs = [
        {"connections": c, "orders_per_s": 10.0 + c, "latency_ms": {"p50": 50.0, "p99": 9.0 * c}}
        for c in (1, 16, 32, 64)
    ]
    return {
        "when": "20261130T070000Z",
        "machine": {"cpu": "Test CPU", "cpus": 2},
        "gateway": {"results": gateway},
        "orders": {
            "single": {"replicas": "one of each", "runs": orders_runs},
            "replicated": {"replicas": "orders=2", "runs": [orders_runs[2]]},
        },
        "login": login_part(),
    }
