"""One order-placement run: wrk through the gateway, and the CPU every process spent."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.support.stack import Stack

from bench.cpu import CpuMeter, MachineBusy, cpu_seconds, pids_named, postgres_backends
from bench.platform import service_pids

HERE = Path(__file__).parent
LATENCY_KEYS = ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")


def seed(stack: Stack, *, shoppers: int, products: int, stock: int, path: Path) -> list[str]:
    """Shoppers (token, address) and products written for the wrk script; the product ids."""
    admin = Stack.auth(stack.admin_token())
    lines, ids = [], []
    for i in range(products):
        resp = stack.client.post(
            "/products",
            headers=admin,
            json={
                "name": f"Bench item {i}",
                "price": 1000 + i,
                "category": "bench",
                "sku": f"BENCH-{os.getpid()}-{path.stem}-{i}",
                "stock": stock,
            },
        )
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["data"]["id"])
        lines.append(f"product {ids[-1]}")
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
    return ids


def _database(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def cpu_meter(stack: Stack) -> CpuMeter:
    """Every platform process by service (replicas summed), and the servers."""
    databases = [_database(stack.env["POSTGRESQL_URI"]), _database(stack.env["PRODUCT_SQL_URI"])]

    names = ("gateway", "users", "products", "orders")
    groups = {name: service_pids(stack, name) for name in names}
    groups["worker"] = service_pids(stack, "notifications")
    groups["postgresql (our backends)"] = lambda: postgres_backends(databases)
    groups["mariadb (whole server)"] = lambda: pids_named("mariadbd") or pids_named("mysqld")
    groups["rabbitmq (whole server)"] = lambda: pids_named("beam.smp")
    return CpuMeter(groups)


def settle(stack: Stack, *, quiet_share: float = 0.1, limit_seconds: float = 60.0) -> float:
    """Waits until the platform's processes are nearly idle (under `quiet_share` of a CPU
    for half a second): work left from before (the worker mailing the seeded shoppers'
    welcomes) is not counted as a run's CPU per order, and the work its own orders leave
    behind (mails, events still to relay) is. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_seconds:
        before = {p.pid: cpu_seconds(p.pid) for p in stack.supervisor.procs.values()}
        time.sleep(0.5)
        used = sum(max(0.0, cpu_seconds(pid) - cpu) for pid, cpu in before.items())
        if used < quiet_share * 0.5:
            break
    return round(time.monotonic() - started, 1)


def vacuum_without_autovacuum(stack: Stack) -> float | None:
    """VACUUM (ANALYZE) of our two PostgreSQL databases when the server's autovacuum is off
    (as on the CI machines: `autovacuum = off` in their conf.d), the seconds it took; None
    when autovacuum is on. Each order leaves a dead row in orders, reservations and the
    outbox (their updates are not HOT); with nothing to vacuum them, PostgreSQL's CPU per
    order grew run by run through a sweep (2.56, 2.81, 3.00 ms at 32 connections in one),
    which a deployed server, autovacuum on by default, would not show. Run before a run's
    meter starts: what autovacuum would spend during the load is not counted."""
    urls = [stack.env["POSTGRESQL_URI"], stack.env["PRODUCT_SQL_URI"]]
    shown = subprocess.run(
        ["psql", urls[0], "-Atc", "SHOW autovacuum"], check=True, capture_output=True, text=True
    )
    if shown.stdout.strip() == "on":
        return None
    started = time.monotonic()
    for url in urls:
        subprocess.run(["psql", url, "-qc", "VACUUM (ANALYZE)"], check=True, capture_output=True)
    return round(time.monotonic() - started, 2)


def run_wrk(url: str, shoppers: Path, *, connections: int, duration: int) -> dict[str, Any]:
    cmd = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{duration}s"]
    cmd += ["--timeout", "30s", "--latency", "-s", str(HERE / "place_orders.lua"), url]
    env = {**os.environ, "SHOPPERS": str(shoppers)}
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^WRK_JSON (.*)$", out, re.MULTILINE)
    assert match, out
    stats: dict[str, Any] = json.loads(match.group(1))
    return stats


def place_orders(
    stack: Stack, shoppers: Path, *, connections: int, duration: int
) -> dict[str, Any]:
    """Orders/s, latency and CPU per order of every process at one concurrency."""
    meter = cpu_meter(stack)
    vacuumed = vacuum_without_autovacuum(stack)
    waited = settle(stack)
    meter.start()
    # While the load runs: are the cores the limit? Then a second replica can only share them.
    machine = MachineBusy()
    machine.start()
    stats = run_wrk(stack.gateway_url, shoppers, connections=connections, duration=duration)
    busy = machine.stop()
    # The worker and the relays finish this run's events after the load stops: theirs too.
    drained = settle(stack)
    used = meter.stop()
    seconds = stats["duration_us"] / 1e6
    created = stats["created"]
    return {
        "connections": connections,
        "vacuumed_before_s": vacuumed,
        "settled_before_s": waited,
        "drained_after_s": drained,
        "duration_s": round(seconds, 2),
        "orders_per_s": round(created / seconds, 1),
        "answers_per_s": round(stats["requests"] / seconds, 1),
        "created": created,
        "conflicts": stats["conflicts"],
        "other_non_2xx": stats["non_2xx"] - stats["conflicts"],
        "socket_errors": stats["socket_errors"],
        "latency_ms": {k[:-3]: stats[k] for k in LATENCY_KEYS},
        "machine_busy_pct": busy,
        "cpu_ms_per_order": {
            name: round(cpu * 1000 / max(created, 1), 2) for name, cpu in used.items()
        },
    }
