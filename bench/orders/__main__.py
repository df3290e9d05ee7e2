"""Order-placement benchmark: wrk drives POST /orders through the gateway, full flow, on
real PostgreSQL (orders, products), MariaDB (users) and RabbitMQ.

    uv run python -m bench.orders [--connections 32] [--duration 20] [--profile]

Starts its own platform on free ports (fresh databases), seeds shoppers and products,
runs wrk at fixed concurrency, prints orders/s and p50/p99, writes bench/results/*.json;
with --profile, the order service runs under pyinstrument and its profile is saved too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.stack import Stack

from bench.platform import bench_platform

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"
LATENCY_KEYS = ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")


def seed(stack: Stack, *, shoppers: int, products: int, path: Path) -> None:
    admin = Stack.auth(stack.admin_token())
    lines = []
    for i in range(products):
        resp = stack.client.post(
            "/products",
            headers=admin,
            json={
                "name": f"Bench item {i}",
                "price": 1000 + i,
                "category": "bench",
                "sku": f"BENCH-{os.getpid()}-{i}",
                "stock": 10_000_000,
            },
        )
        assert resp.status_code == 201, resp.text
        lines.append(f"product {resp.json()['data']['id']}")
    for _ in range(shoppers):
        token = stack.user_token()
        resp = stack.client.post(
            "/users/me/addresses",
            headers=Stack.auth(token),
            json={"line1": "1 Bench Rd", "city": "Load", "postalCode": "1", "country": "US"},
        )
        assert resp.status_code == 201, resp.text
        lines.append(f"{token} {resp.json()['data']['id']}")
    path.write_text("\n".join(lines) + "\n")


def start_profiled_orders(stack: Stack, profile: Path, log: Path) -> subprocess.Popen[bytes]:
    """The order service under pyinstrument (wall-clock sampling of the whole process)."""
    stack.stop("orders")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyinstrument",
            "--renderer",
            "text",
            "--show-all",
            "-o",
            str(profile),
            "-m",
            "shop.orders",
        ],
        env=stack.env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    stack.supervisor.procs["orders"] = proc
    stack.supervisor.wait_ready("orders")
    return proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (Linux /proc), 0.0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: field 14 (utime) and 15 (stime) are the 12th and 13th here.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, shoppers: Path, *, threads: int, connections: int, duration: int) -> str:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(HERE / "place_orders.lua"),
        url,
    ]
    env = {**os.environ, "SHOPPERS": str(shoppers)}
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is required (apt-get install wrk)", file=sys.stderr)
        return 2

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    profile = RESULTS / f"orders-profile-{stamp}.txt"
    with bench_platform() as stack:
        shoppers = stack.log_dir.parent / "shoppers.txt"
        seed(stack, shoppers=args.shoppers, products=args.products, path=shoppers)
        if args.profile:
            start_profiled_orders(stack, profile, stack.log_dir / "orders-profiled.log")
        orders_pid = stack.supervisor.procs["orders"].pid
        cpu_before = cpu_seconds(orders_pid)
        out = run_wrk(
            stack.gateway_url,
            shoppers,
            threads=args.threads,
            connections=args.connections,
            duration=args.duration,
        )
        # The machine is shared and noisy: the order service's own CPU per order is the
        # steadier figure of its cost.
        orders_cpu = cpu_seconds(orders_pid) - cpu_before
        match = re.search(r"^WRK_JSON (.*)$", out, re.MULTILINE)
        assert match, out
        stats: dict[str, Any] = json.loads(match.group(1))
        seconds = stats["duration_us"] / 1e6
        ok = stats["requests"] - stats["non_2xx"]
        result = {
            "benchmark": "order placement (POST /orders via gateway, full saga)",
            "when": stamp,
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": round(seconds, 2),
            "orders_per_s": round(ok / seconds, 1),
            "requests": stats["requests"],
            "non_2xx": stats["non_2xx"],
            "socket_errors": stats["socket_errors"],
            "latency_ms": {k[:-3]: stats[k] for k in LATENCY_KEYS},
            "orders_service_cpu_ms_per_order": round(orders_cpu * 1000 / max(ok, 1), 2),
            "profiled": args.profile,
            "stores": {
                "orders": "postgresql",
                "products": "postgresql",
                "users": "mariadb",
                "broker": "rabbitmq",
            },
            "cpus": os.cpu_count(),
        }
        if args.profile:
            proc = stack.supervisor.procs.pop("orders")
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            result["profile"] = str(profile.relative_to(HERE.parent.parent))
        path = RESULTS / f"orders-{stamp}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(out)
        print(json.dumps(result, indent=2))
        print(f"written to {path}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
