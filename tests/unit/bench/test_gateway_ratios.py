"""The gateway bench's ratios: ours against Express and against nginx, the ceiling."""

from __future__ import annotations

from typing import Any

from bench.gateway.__main__ import ratios


def _result(server: str, rate: float, cpu: float) -> dict[str, Any]:
    return {
        "server": server,
        "scenario": "public",
        "connections": 1,
        "requests_per_s": rate,
        "cpu_us_per_request": cpu,
    }


def test_ours_is_read_against_express_and_nginx_and_nginx_against_express() -> None:
    results = [
        _result("uvicorn", 3000.0, 150.0),
        _result("express", 1500.0, 450.0),
        _result("nginx", 10000.0, 40.0),
    ]
    assert ratios(results) == {
        "uvicorn/express public c=1": 2.0,
        "CPU per request, express/uvicorn public c=1": 3.0,
        "uvicorn/nginx public c=1": 0.3,
        "nginx/express public c=1": 6.67,
    }


def test_a_missing_baseline_leaves_its_ratios_out() -> None:
    assert ratios([_result("uvicorn", 3000.0, 150.0), _result("nginx", 6000.0, 40.0)]) == {
        "uvicorn/nginx public c=1": 0.5
    }
