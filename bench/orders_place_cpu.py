"""CPU per order of the order service placing orders (the full saga), measured alone.

`uv run python -m bench.orders_place_cpu [N] [--rounds R] [--in-flight K] [--no-broker]
[--profile]`: the order service as `python -m shop.orders` runs it (uvicorn, uvloop, its
logs, the outbox relay to the local RabbitMQ, recovery and lease loops) in a child process,
on a fresh PostgreSQL database, with the user and product services answered by canned
in-process fakes (bench.orders_place_fakes) and the mock payment provider it configures
itself; a queue bound like the worker's takes its events (and drops them). This process
drives POST /orders as the gateway would (K in flight, a fresh Idempotency-Key each) and
serves the fakes: its CPU is reported apart. After a warm-up,
R rounds of N orders; a round ends once the outbox is drained, so the relay's publishing
is counted. The child's CPU comes from /proc (user + system), and so does PostgreSQL's: the
client backends serving the bench's database (its pool and the relay's; the drain check's
short-lived connection is not counted), as `pg_us`. `--profile` runs the child
under pyinstrument on its CPU clock and prints bench.orders.profiles' summary.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from tests.support.databases import (
    RABBITMQ_URL,
    create_postgres_database,
    drop_postgres_database,
)

from bench.cpu import CpuMeter, cpu_seconds, postgres_backends, thread_cpu_seconds
from bench.orders.profiles import summarise
from bench.orders_place_fakes import start_fake_peers, subscribed_events

RESULTS = Path(__file__).parent / "results"
SECRET = "bench-orders-place-secret"
WARMUP = 200
SHOPPERS = 64
PRODUCTS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Shop:
    """Drives POST /orders as the gateway does: secret, user headers, request id."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.placed = 0
        self.shoppers = [(uuid.uuid4().hex, uuid.uuid4().hex) for _ in range(SHOPPERS)]
        self.products = [uuid.uuid4().hex for _ in range(PRODUCTS)]
        self.run = uuid.uuid4().hex[:8]

    async def place(self, http: aiohttp.ClientSession, count: int, in_flight: int) -> None:
        todo = iter(range(self.placed, self.placed + count))
        self.placed += count

        async def worker() -> None:
            for n in todo:
                user_id, address_id = self.shoppers[n % SHOPPERS]
                body = {
                    "items": [{"productId": self.products[n % PRODUCTS], "quantity": 1}],
                    "shippingAddressId": address_id,
                    "payment": {"method": "card", "token": "tok_ok"},
                }
                headers = {
                    "x-gateway-secret": SECRET,
                    "x-user-id": user_id,
                    "x-user-email": "shopper@example.com",
                    "x-user-role": "user",
                    "x-request-id": uuid.uuid4().hex,
                    "Idempotency-Key": f"bench-{self.run}-{n}",
                }
                async with http.post(f"{self.base}/orders", json=body, headers=headers) as res:
                    text = await res.text()
                    if res.status != 201:
                        raise RuntimeError(f"order {n}: {res.status} {text}")

        await asyncio.gather(*(worker() for _ in range(in_flight)))


async def _outbox_drained(url: str, *, broker: bool) -> None:
    if not broker:
        return
    conn = await asyncpg.connect(url)
    try:
        query = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        while await conn.fetchval(query):
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def _wait_ready(
    http: aiohttp.ClientSession, base: str, child: subprocess.Popen[bytes]
) -> None:
    for _ in range(600):
        if child.poll() is not None:
            raise RuntimeError(f"the order service exited with {child.returncode}")
        try:
            async with http.get(f"{base}/health") as res:
                if res.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the order service did not start")


def _start_service(
    args: argparse.Namespace, url: str, root: Path, peers: int, rest: int
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        POSTGRESQL_URI=url,
        DATA_DIR=str(root),
        GATEWAY_SECRET=SECRET,
        USER_SERVICE_GRPC=f"127.0.0.1:{peers}",
        PRODUCT_SERVICE_GRPC=f"127.0.0.1:{peers}",
        ORDER_SERVICE_PORT=str(rest),
        ORDER_SERVICE_GRPC_PORT=str(_free_port()),
        RABBITMQ_URL="" if args.no_broker else RABBITMQ_URL,
        LOG_LEVEL="INFO",
    )
    command = [sys.executable, "-m", "shop.orders"]
    if args.profile:
        profiler = ["-m", "bench.orders.cpu_sampled", "-r", "pyisession"]
        command[1:1] = [*profiler, "-o", str(root / "orders.pyisession")]
    log = (root / "orders.log").open("ab")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


async def measure(args: argparse.Namespace, url: str, root: Path, database: str) -> dict[str, Any]:
    peers, rest = _free_port(), _free_port()
    postgres = CpuMeter({"pg": lambda: postgres_backends([database])}, reader=thread_cpu_seconds)
    fakes = await start_fake_peers(peers)
    child = _start_service(args, url, root, peers, rest)
    base = f"http://127.0.0.1:{rest}"
    shop = Shop(base)
    rounds: list[dict[str, float]] = []
    subscriber = contextlib.nullcontext() if args.no_broker else subscribed_events(RABBITMQ_URL)
    try:
        connector = aiohttp.TCPConnector(limit=args.in_flight)
        async with subscriber, aiohttp.ClientSession(connector=connector) as http:
            await _wait_ready(http, base, child)
            await shop.place(http, WARMUP, args.in_flight)
            await _outbox_drained(url, broker=not args.no_broker)
            for _ in range(args.rounds):
                service, driver = cpu_seconds(child.pid), time.process_time()
                postgres.start()
                wall = time.perf_counter()
                await shop.place(http, args.orders, args.in_flight)
                await _outbox_drained(url, broker=not args.no_broker)
                wall = time.perf_counter() - wall
                pg = postgres.stop()["pg"]
                rounds.append(
                    {
                        "service_us": (cpu_seconds(child.pid) - service) / args.orders * 1e6,
                        "pg_us": pg / args.orders * 1e6,
                        "driver_and_fakes_us": (time.process_time() - driver) / args.orders * 1e6,
                        "orders_per_second": args.orders / wall,
                    }
                )
                print(", ".join(f"{k} {v:.0f}" for k, v in rounds[-1].items()), flush=True)
    finally:
        child.send_signal(signal.SIGTERM)
        await asyncio.get_running_loop().run_in_executor(None, child.wait, 60)
        await fakes.stop(0)
    return {
        key: statistics.median(r[key] for r in rounds)
        for key in ("service_us", "pg_us", "driver_and_fakes_us", "orders_per_second")
    } | {"rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.orders_place_cpu")
    parser.add_argument("orders", nargs="?", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--no-broker", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    name, url = create_postgres_database("bench_orders_place")
    try:
        with tempfile.TemporaryDirectory(prefix="orders-place-bench-") as tmp:
            root = Path(tmp)
            result = asyncio.run(measure(args, url, root, name))
            if args.profile:
                print(summarise(root / "orders.pyisession"))
    finally:
        drop_postgres_database(name)
    result.update(
        orders=args.orders,
        in_flight=args.in_flight,
        broker=not args.no_broker,
        profiled=args.profile,
        commit=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    print(
        f"order service: {result['service_us']:.0f} us CPU per order (median of "
        f"{args.rounds} x {args.orders}); PostgreSQL backends {result['pg_us']:.0f} us; "
        f"driver and fakes {result['driver_and_fakes_us']:.0f} us"
    )
    RESULTS.mkdir(exist_ok=True)
    suffix = "-profiled" if args.profile else ""
    path = RESULTS / f"orders_place_cpu{suffix}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
