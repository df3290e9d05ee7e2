"""Gateway throughput: one gateway process proxying to a trivial upstream, wrk at fixed load.

    uv run python -m bench.gateway [--connections 32] [--duration 10]

Measures the gateway alone (the upstream answers a constant body), for a public GET and
for an authenticated one (JWT verification + header rewrite), at LOG_LEVEL INFO and
WARNING; prints req/s, p50/p99 and the gateway's CPU per request, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.stack import free_port

from bench.wrk import require_wrk, run_wrk
from shop.common.tokens import Principal, issue_access_token

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"
JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_healthy(url: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gateway did not start")


def measure(*, log_level: str, connections: int, duration: int) -> list[dict[str, Any]]:
    upstream_port, gateway_port = free_port(), free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    env = {
        **os.environ,
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_HOST": "127.0.0.1",
        "JWT_SECRET": JWT_SECRET,
        "USER_SERVICE_URL": upstream_url,
        "PRODUCT_SERVICE_URL": upstream_url,
        "ORDER_SERVICE_URL": upstream_url,
        "RATE_LIMIT_DEFAULT": "100000000/minute",
        "RATE_LIMIT_AUTH": "100000000/minute",
        "REDIS_URL": "",
        "LOG_LEVEL": log_level,
    }
    upstream = subprocess.Popen([sys.executable, str(HERE / "upstream.py"), str(upstream_port)])
    gateway = subprocess.Popen(
        [sys.executable, "-m", "shop.gateway"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{gateway_port}"
    token = issue_access_token(Principal("u1", "u1@example.com", "user"), secret=JWT_SECRET)
    scenarios = {
        "public GET /products/p1": ("/products/p1", {}),
        "authenticated GET /orders/o1": ("/orders/o1", {"Authorization": f"Bearer {token}"}),
    }
    results = []
    try:
        _wait_healthy(base)
        for name, (path, headers) in scenarios.items():
            run_wrk(base=base, path=path, headers=headers, connections=connections, duration=1)
            cpu_before = _cpu_seconds(gateway.pid)
            stats = run_wrk(
                base=base, path=path, headers=headers, connections=connections, duration=duration
            )
            cpu = _cpu_seconds(gateway.pid) - cpu_before
            stats["gateway_cpu_us_per_request"] = round(cpu / stats["requests"] * 1e6, 1)
            results.append({"scenario": name, "log_level": log_level, **stats})
    finally:
        for proc in (gateway, upstream):
            proc.terminate()
            proc.wait(timeout=10)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    require_wrk()
    results = []
    for level in ("INFO", "WARNING"):
        results += measure(log_level=level, connections=args.connections, duration=args.duration)
    for r in results:
        print(
            f"{r['scenario']:30} {r['log_level']:8} {r['requests_per_s']:8.1f} req/s  "
            f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
            f"cpu {r['gateway_cpu_us_per_request']:6.1f} us/req  non-2xx {r['non_2xx']}"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"gateway-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": "gateway proxy",
                "when": stamp,
                "connections": args.connections,
                "cpus": os.cpu_count(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
