"""CPU per reserve + commit pair in the product service, in one process, on PostgreSQL.

`uv run python -m bench.products_stock_cpu [N] [--grpc] [--profile [--flat]]`: the real
SQL store on a fresh PostgreSQL database, a few products with large stock, and N orders of
one line each (as the order benchmark places them), each reserved then committed, with
IN_FLIGHT orders at a time. By default through the service layer (`service.py`); with
--grpc through the real servicer over a grpc.aio channel, so the figure also holds the
client's side of both calls. The CPU is this process's (uvloop, as the service runs);
PostgreSQL's, that of the backends serving the bench's database, is reported apart
(`pg_us_per_pair`, from /proc). A JSON line goes to bench/results/.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import uvloop
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.stack_sampler import get_stack_sampler
from tests.support.databases import create_postgres_database, drop_postgres_database

from bench.cpu import CpuMeter, postgres_backends, thread_cpu_seconds
from shop.common.db import create_engine
from shop.common.grpc_client import open_channel
from shop.common.logging import configure_logging
from shop.products import service
from shop.products.bootstrap import build
from shop.products.domain import Line, NewProduct
from shop.products.rpc import start_grpc
from shop.products.settings import ProductSettings
from shop.products.stores.sql import migrate
from shop.products.stores.sql.store import SqlProductStore
from shop.protos.shop.product.v1 import product_pb2 as pb
from shop.protos.shop.product.v1 import product_pb2_grpc

WARMUP = 200
IN_FLIGHT = 16
PRODUCTS = 8
SECRET = "bench-products-secret"
RESULTS = Path(__file__).parent / "results"

Pair = Callable[[str, str], Awaitable[None]]


def service_pair(store: SqlProductStore) -> Pair:
    async def pair(order_id: str, product_id: str) -> None:
        lines = [Line(product_id=product_id, quantity=1)]
        await service.reserve_inventory(store=store, order_id=order_id, lines=lines, ttl_seconds=60)
        await service.commit_reservation(store=store, order_id=order_id)

    return pair


def grpc_pair(stub: product_pb2_grpc.ProductServiceStub) -> Pair:
    async def pair(order_id: str, product_id: str) -> None:
        item = pb.Item(product_id=product_id, quantity=1)
        await stub.ReserveInventory(pb.ReserveInventoryRequest(order_id=order_id, items=[item]))
        await stub.ReduceInventory(pb.ReduceInventoryRequest(order_id=order_id))

    return pair


async def drive(pair: Pair, product_ids: list[str], count: int) -> None:
    """`count` pairs, IN_FLIGHT at a time, each on the next product in turn."""
    orders = iter(range(count))

    async def worker() -> None:
        for n in orders:
            await pair(uuid.uuid4().hex, product_ids[n % len(product_ids)])

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


async def measure(
    url: str, database: str, count: int, *, through_grpc: bool, profile: bool
) -> dict[str, float]:
    await migrate(url)
    store = SqlProductStore(create_engine(url))
    product_ids = []
    for n in range(PRODUCTS):
        new = NewProduct(
            name=f"Bench product {n}",
            description="",
            price=1000 + n,
            category="bench",
            sku=f"BENCH-{uuid.uuid4().hex[:10]}",
            stock=10_000_000,
            low_stock_threshold=0,
            attributes={},
        )
        product_ids.append((await store.create_product(new)).id)
    server, channel = None, None
    try:
        if through_grpc:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            settings = ProductSettings(gateway_secret=SECRET, reservation_ttl_seconds=60)
            server = await start_grpc(build(settings, store=store), port=port, host="127.0.0.1")
            channel = open_channel(f"127.0.0.1:{port}", secret=SECRET)
            pair = grpc_pair(product_pb2_grpc.ProductServiceStub(channel))
        else:
            pair = service_pair(store)
        await drive(pair, product_ids, WARMUP)
        profiler = _cpu_profiler() if profile else None
        postgres = CpuMeter(
            {"pg": lambda: postgres_backends([database])}, reader=thread_cpu_seconds
        )
        postgres.start()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.start()
        await drive(pair, product_ids, count)
        if profiler:
            profiler.stop()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        pg = postgres.stop()["pg"]
        sold = sum(p.sold for p in (await store.get_products(product_ids)).values())
        assert sold == WARMUP + count, sold
    finally:
        if channel is not None:
            await channel.close()
        if server is not None:
            await server.stop(0)
        await store.close()
    if profiler:
        flat = "--flat" in sys.argv
        print(profiler.output(ConsoleRenderer(unicode=True, flat=flat, show_all=flat)))
    return {
        "cpu_us_per_pair": cpu / count * 1e6,
        "pg_us_per_pair": pg / count * 1e6,
        "wall_us_per_pair": wall / count * 1e6,
    }


def _cpu_profiler() -> Profiler:
    # Sampled on the thread's CPU clock, as bench/orders/cpu_sampled.py does: on the wall
    # clock the time spent waiting for PostgreSQL inside a greenlet looks like driver CPU.
    get_stack_sampler().timer_func = time.thread_time
    return Profiler(interval=0.0005, async_mode="disabled")


def main() -> None:
    args = sys.argv[1:]
    count = int(next((a for a in args if a.isdigit()), "2000"))
    through_grpc = "--grpc" in args
    configure_logging(service="products", level="WARNING")
    name, url = create_postgres_database("shop_bench_stock")
    try:
        figures = uvloop.run(
            measure(url, name, count, through_grpc=through_grpc, profile="--profile" in args)
        )
    finally:
        drop_postgres_database(name)
    path = "grpc" if through_grpc else "service"
    print(
        f"{count} reserve+commit pairs ({path}, {IN_FLIGHT} in flight): "
        f"{figures['cpu_us_per_pair']:.0f} us CPU, PostgreSQL {figures['pg_us_per_pair']:.0f} us, "
        f"{figures['wall_us_per_pair']:.0f} us wall each"
    )
    record = {"at": time.time(), "path": path, "pairs": count, "in_flight": IN_FLIGHT, **figures}
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "products_stock_cpu.json").open("ab") as out:
        out.write(orjson.dumps(record) + b"\n")


if __name__ == "__main__":
    main()
