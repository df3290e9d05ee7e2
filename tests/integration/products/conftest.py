"""Product stores on every backend, each behind the same interface."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson
import pytest
from sqlalchemy import select

from shop.common.db import create_engine
from shop.products.domain import NewProduct, Product
from shop.products.stores.mongo.store import MongoProductStore
from shop.products.stores.protocol import ProductStore
from shop.products.stores.sql import migrate as migrate_sql
from shop.products.stores.sql.models import outbox
from shop.products.stores.sql.store import SqlProductStore

MONGODB_URI = os.environ.get("MONGODB_URI")
NO_MONGO = "MONGODB_URI not set: no MongoDB server reachable"
_migrated: set[str] = set()


async def sqlite_store(path: Path) -> SqlProductStore:
    url = f"sqlite+aiosqlite:///{path}"
    await migrate_sql(url)
    return SqlProductStore(create_engine(url))


async def postgres_store(url: str, *, wake_relay: asyncio.Event | None = None) -> SqlProductStore:
    if url not in _migrated:  # one database per test package: migrate it once
        await migrate_sql(url)
        _migrated.add(url)
    return SqlProductStore(create_engine(url, pool_size=20), wake_relay=wake_relay)


@pytest.fixture(
    params=[
        "sqlite",
        "postgres",
        pytest.param("mongodb", marks=pytest.mark.skipif(not MONGODB_URI, reason=NO_MONGO)),
    ]
)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ProductStore]:
    """The same store contract, on SQLite, PostgreSQL and (when reachable) MongoDB."""
    built: ProductStore
    if request.param == "sqlite":
        built = await sqlite_store(tmp_path / "products.db")
    elif request.param == "postgres":
        built = await postgres_store(request.getfixturevalue("postgres_url"))
    else:
        assert MONGODB_URI is not None
        mongo = MongoProductStore(MONGODB_URI, database=f"shop_test_{uuid.uuid4().hex[:10]}")
        await mongo.prepare()
        built = mongo
    try:
        yield built
    finally:
        if isinstance(built, MongoProductStore):
            await built.client.drop_database(built.db.name)
        await built.close()


@pytest.fixture
async def pg_store(postgres_url: str) -> AsyncIterator[SqlProductStore]:
    built = await postgres_store(postgres_url)
    try:
        yield built
    finally:
        await built.close()


def new_product(**overrides: Any) -> NewProduct:
    """A product with a unique sku and category, so tests never see each other's rows."""
    tag = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "name": f"Widget {tag}",
        "description": f"A fine widget {tag}",
        "price": 1000,
        "category": f"cat-{tag}",
        "sku": f"SKU-{tag}",
        "stock": 10,
        "low_stock_threshold": 0,
        "attributes": {},
    }
    values.update(overrides)
    return NewProduct(**values)


async def outbox_events(store: ProductStore, product_id: str) -> list[dict[str, Any]]:
    """The events the store wrote for one product (SQL outbox table or Mongo collection)."""
    payloads: list[str]
    if isinstance(store, SqlProductStore):
        async with store.engine.connect() as conn:
            payloads = list((await conn.scalars(select(outbox.c.payload))).all())
    else:
        assert isinstance(store, MongoProductStore)
        payloads = [doc["payload"] async for doc in store.outbox.find({})]
    events = [orjson.loads(p) for p in payloads]
    return [e for e in events if e["data"].get("productId") == product_id]


async def drop_connections(url: str) -> None:
    """The server drops every other connection to the database, and they are gone.

    Waiting matters: a lone statement (no BEGIN before it) sent while its backend is still
    going fails as lost while out, as it may have run; one whose connection the pool knows
    closed goes again on a fresh one."""
    admin = await asyncpg.connect(url)
    others = "datname = current_database() AND pid <> pg_backend_pid()"
    try:
        await admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}"
        )
        for _ in range(250):
            if not await admin.fetchval(f"SELECT count(*) FROM pg_stat_activity WHERE {others}"):
                break
            await asyncio.sleep(0.02)
    finally:
        await admin.close()
    await asyncio.sleep(0.05)  # for the event loop to see the closed sockets


def assert_balanced(product: Product) -> None:
    assert product.stock >= 0 and product.reserved >= 0 and product.sold >= 0
    assert product.stock + product.reserved + product.sold == product.stocked


@pytest.fixture
def wake() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
async def waking_store(postgres_url: str, wake: asyncio.Event) -> AsyncIterator[SqlProductStore]:
    """A PostgreSQL store whose relay wake-ups the test watches."""
    built = await postgres_store(postgres_url, wake_relay=wake)
    try:
        yield built
    finally:
        await built.close()
