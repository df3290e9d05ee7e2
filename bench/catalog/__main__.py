"""`python -m bench.catalog`: p50 of each catalog and order-list query at 10k, 100k, 1M rows.

One fresh PostgreSQL database per service, migrated like the services do it, grown in
place (10k -> 100k -> 1M products and orders over 10k users) with COPY; at each size every
query runs through the services' own store code, warm, and its p50/p90 is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.databases import create_postgres_database, drop_postgres_database

from bench.catalog.load import CATEGORIES, NOUNS, USERS, grow_orders, grow_products, product_id
from bench.catalog.load import user_id as bulk_user
from shop.common.db import create_engine
from shop.common.migrations import upgrade_to_head_async
from shop.orders.domain import OrderStatus
from shop.orders.store import MIGRATIONS_DIR as ORDER_MIGRATIONS
from shop.orders.store import order_reads
from shop.products.bootstrap import migrate_sql
from shop.products.domain import ProductQuery
from shop.products.stores.sql.store import SqlProductStore

SIZES = (10_000, 100_000, 1_000_000)
Query = Callable[[random.Random], Awaitable[Any]]


def rare_term(rng: random.Random, size: int) -> str:
    """A noun and number that name one product (and the few whose number extends it)."""
    i = rng.randrange(size)
    return f"{NOUNS[(i // 10) % 50]} {i}"


def queries(products: SqlProductStore, orders_url: str, size: int) -> dict[str, Query]:
    engine = create_engine(orders_url)

    async def history(rng: random.Random) -> Any:
        async with engine.connect() as s:
            user = bulk_user(rng.randrange(USERS))
            return await order_reads.list_orders(s, user_id=user, status=None, offset=0, limit=20)

    async def by_status(rng: random.Random) -> Any:
        status = rng.choice([OrderStatus.CONFIRMED, OrderStatus.SHIPPED])
        async with engine.connect() as s:
            return await order_reads.list_orders(s, user_id=None, status=status, offset=0, limit=20)

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


async def measure(per_size: dict[int, Query], *, runs: int) -> dict[int, dict[str, float]]:
    """p50/p90 of one query at every size, the sizes taking turns run by run: the machine
    is shared, and load that comes and goes then weighs on every size alike."""
    rng = {size: random.Random(7) for size in per_size}
    took: dict[int, list[float]] = {size: [] for size in per_size}
    for run in range(runs + 5):
        for size, query in per_size.items():
            began = time.perf_counter()
            await query(rng[size])
            if run >= 5:  # the first few warm caches and pools
                took[size].append((time.perf_counter() - began) * 1000)
    return {
        size: {
            "p50_ms": round(statistics.median(t), 2),
            "p90_ms": round(sorted(t)[int(len(t) * 0.9)], 2),
        }
        for size, t in took.items()
    }


async def run(sizes: tuple[int, ...], runs: int) -> dict[str, Any]:
    """One pair of databases per size, loaded with COPY, then every query measured."""
    made: list[str] = []
    results: dict[str, Any] = {"sizes": {str(n): {} for n in sizes}, "load_seconds": {}}
    results["load_average_before"] = os.getloadavg()
    stores: dict[int, SqlProductStore] = {}
    try:
        per_query: dict[str, dict[int, Query]] = {}
        for size in sizes:
            products_db, products_url = create_postgres_database("shop_bench_catalog")
            orders_db, orders_url = create_postgres_database("shop_bench_order_lists")
            made += [products_db, orders_db]
            await migrate_sql(products_url)
            await upgrade_to_head_async(ORDER_MIGRATIONS, orders_url)
            took = await grow_products(products_url, 0, size)
            took += await grow_orders(orders_url, 0, size)
            results["load_seconds"][str(size)] = round(took, 1)
            print(f"{size:>9,} products and orders loaded in {took:.1f}s", flush=True)
            stores[size] = SqlProductStore(create_engine(products_url))
            for name, query in queries(stores[size], orders_url, size).items():
                per_query.setdefault(name, {})[size] = query
        for name, per_size in per_query.items():
            figures = await measure(per_size, runs=runs)
            for size, figure in figures.items():
                results["sizes"][str(size)][name] = figure
            print(f"{name:24} " + "  ".join(f"{figures[n]['p50_ms']:7.2f}" for n in sizes))
    finally:
        for store in stores.values():
            await store.close()
        for name in made:
            drop_postgres_database(name)
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
