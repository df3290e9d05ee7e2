"""`python -m bench.catalog`: p50 of each catalog and order-list query at 10k, 100k, 1M rows.

One fresh PostgreSQL database per service, migrated like the services do it, grown in
place (10k -> 100k -> 1M products and orders over 10k users) with COPY; at each size every
query runs through the services' own store code, warm, and its p50/p90 is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.databases import create_postgres_database, drop_postgres_database

from bench.catalog.load import CATEGORIES, NOUNS, USERS, grow_orders, grow_products, product_id
from bench.catalog.load import user_id as bulk_user
from shop.common.db import create_engine, session_factory
from shop.common.migrations import upgrade_to_head_async
from shop.orders import store_reads
from shop.orders.domain import OrderStatus
from shop.products.bootstrap import migrate_sql
from shop.products.domain import ProductQuery
from shop.products.sql_store import SqlProductStore

SIZES = (10_000, 100_000, 1_000_000)
ORDER_MIGRATIONS = Path(__file__).parents[2] / "src" / "shop" / "orders" / "migrations"
Query = Callable[[random.Random], Awaitable[Any]]


def rare_term(rng: random.Random, size: int) -> str:
    """A noun and number that name one product (and the few whose number extends it)."""
    i = rng.randrange(size)
    return f"{NOUNS[(i // 10) % 50]} {i}"


def queries(products: SqlProductStore, orders_url: str, size: int) -> dict[str, Query]:
    sessions = session_factory(create_engine(orders_url))

    async def history(rng: random.Random) -> Any:
        async with sessions() as s:
            user = bulk_user(rng.randrange(USERS))
            return await store_reads.list_orders(s, user_id=user, status=None, offset=0, limit=20)

    async def by_status(rng: random.Random) -> Any:
        status = rng.choice([OrderStatus.CONFIRMED, OrderStatus.SHIPPED])
        async with sessions() as s:
            return await store_reads.list_orders(s, user_id=None, status=status, offset=0, limit=20)

    return {
        "search_word": lambda rng: products.list_products(
            ProductQuery(search=rng.choice(NOUNS).lower())
        ),
        "search_rare": lambda rng: products.list_products(
            ProductQuery(search=rare_term(rng, size))
        ),
        "category_by_price": lambda rng: products.list_products(
            ProductQuery(category=rng.choice(CATEGORIES), sort_by="price", descending=False)
        ),
        "deep_page_by_price": lambda rng: products.list_products(
            ProductQuery(sort_by="price", descending=False, page=200 + rng.randrange(50))
        ),
        "product_by_id": lambda rng: products.get_product(product_id(rng.randrange(size))),
        "user_order_history": history,
        "admin_orders_by_status": by_status,
    }


async def measure(query: Query, *, runs: int) -> dict[str, float]:
    rng = random.Random(7)
    for _ in range(5):
        await query(rng)
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        await query(rng)
        took.append((time.perf_counter() - began) * 1000)
    took.sort()
    return {"p50_ms": round(statistics.median(took), 2), "p90_ms": round(took[int(runs * 0.9)], 2)}


async def run(sizes: tuple[int, ...], runs: int) -> dict[str, Any]:
    products_db, products_url = create_postgres_database("shop_bench_catalog")
    orders_db, orders_url = create_postgres_database("shop_bench_order_lists")
    results: dict[str, Any] = {"sizes": {}, "load_seconds": {}}
    try:
        await migrate_sql(products_url)
        await upgrade_to_head_async(ORDER_MIGRATIONS, orders_url)
        loaded = 0
        for size in sizes:
            took = await grow_products(products_url, loaded, size)
            took += await grow_orders(orders_url, loaded, size)
            results["load_seconds"][str(size)] = round(took, 1)
            loaded = size
            store = SqlProductStore(create_engine(products_url))
            try:
                figures = {
                    name: await measure(q, runs=runs)
                    for name, q in queries(store, orders_url, size).items()
                }
            finally:
                await store.close()
            results["sizes"][str(size)] = figures
            print(f"{size:>9,} rows loaded in {took:.1f}s: {json.dumps(figures)}", flush=True)
    finally:
        drop_postgres_database(products_db)
        drop_postgres_database(orders_db)
    first, last = results["sizes"][str(sizes[0])], results["sizes"][str(sizes[-1])]
    results["growth"] = {
        name: round(last[name]["p50_ms"] / max(first[name]["p50_ms"], 0.01), 2) for name in first
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    results = asyncio.run(run(sizes, args.runs))
    print(json.dumps(results["growth"]))
    out = (
        Path(__file__).parents[1]
        / "results"
        / f"catalog-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
