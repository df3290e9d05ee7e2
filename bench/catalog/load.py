"""Bulk loading with COPY (not the API): products, and orders with one line each.

Rows are made from a fixed vocabulary so the queries have known selectivity: a name
word matches 1 product in 50, a category 1 in 20, a user owns 1 order in 10,000.
Secondary indexes are dropped for the load and rebuilt after (far faster than keeping
them up to date row by row), then the tables are analysed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]

ADJECTIVES = [
    "Brass",
    "Oak",
    "Linen",
    "Steel",
    "Velvet",
    "Cedar",
    "Marble",
    "Copper",
    "Wool",
    "Glass",
]
NOUNS = [
    "Lamp", "Chair", "Table", "Mug", "Shelf", "Rug", "Clock", "Vase", "Bench", "Mirror",
    "Stool", "Sofa", "Desk", "Bowl", "Kettle", "Pillow", "Blanket", "Basket", "Candle", "Frame",
    "Drawer", "Hook", "Tray", "Jar", "Plate", "Cup", "Spoon", "Knife", "Fork", "Pan",
    "Pot", "Lid", "Towel", "Curtain", "Cabinet", "Crate", "Easel", "Fan", "Heater", "Ladder",
    "Mat", "Napkin", "Ottoman", "Planter", "Quilt", "Rack", "Sconce", "Teapot", "Urn", "Whisk",
]  # fmt: skip
CATEGORIES = [f"category-{i:02d}" for i in range(20)]
STATUSES = ["CONFIRMED"] * 7 + ["SHIPPED", "DELIVERED", "CANCELLED"]
USERS = 10_000
_COLORS = ['{"color": "red"}', '{"color": "blue"}', '{"color": "green"}']
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

_PRODUCT_COLUMNS = [
    "id", "name", "description", "price", "category", "sku", "stock", "reserved", "sold",
    "stocked", "low_stock_threshold", "attributes", "created_at", "updated_at",
]  # fmt: skip
_ORDER_COLUMNS = ["id", "user_id", "user_email", "status", "total", "shipping_address",
                  "created_at", "updated_at"]  # fmt: skip


def product_id(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


def user_id(n: int) -> str:
    return str(uuid.UUID(int=(1 << 64) + n))


def _products(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
    for i in range(start, stop):
        adjective, noun = ADJECTIVES[i % 10], NOUNS[(i // 10) % 50]
        stock = i % 50
        at = EPOCH + timedelta(seconds=i)
        yield (
            product_id(i),
            f"{adjective} {noun} {i}",
            f"A {adjective.lower()} {noun.lower()} made in batch {i // 1000}",
            100 + (i * 7919) % 100_000,
            CATEGORIES[(i // 500) % 20],
            f"BULK-{i:08d}",
            stock, 0, 0, stock, 5,
            _COLORS[i % 3],
            at, at,
        )  # fmt: skip


def _orders(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
    for i in range(start, stop):
        at = EPOCH + timedelta(seconds=i)
        user = i % USERS
        yield (
            str(uuid.UUID(int=(2 << 64) + i)),
            user_id(user),
            f"user{user}@example.com",
            STATUSES[i % 10],
            1999,
            '{"line1": "1 Bulk Street", "city": "Loadville", "postalCode": "1", "country": "US"}',
            at,
            at,
        )


async def _secondary_indexes(conn: asyncpg.Connection, table: str) -> list[tuple[str, list[str]]]:
    """(name, the statements that make it again) of the table's indexes that back no
    constraint: its definition, then any statistics target a migration set on a column of
    it (dropped with the index, and the planner's estimates depend on it)."""
    rows = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        table,
    )
    indexes = []
    for row in rows:
        name = row["indexname"]
        targets = await conn.fetch(
            "SELECT attnum, attstattarget FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attstattarget > 0",
            name,
        )
        statements = [row["indexdef"]] + [
            f'ALTER INDEX "{name}" ALTER COLUMN {t["attnum"]} SET STATISTICS {t["attstattarget"]}'
            for t in targets
        ]
        indexes.append((name, statements))
    return indexes


async def _copy(conn: asyncpg.Connection, table: str, columns: list[str], rows: Any) -> None:
    indexes = await _secondary_indexes(conn, table)
    for name, _ in indexes:
        await conn.execute(f'DROP INDEX "{name}"')
    await conn.copy_records_to_table(table, records=rows, columns=columns)
    await conn.execute("SET maintenance_work_mem = '256MB'")
    for _, statements in indexes:
        for statement in statements:
            await conn.execute(statement)
    await conn.execute(f"VACUUM ANALYZE {table}")  # the visibility map, as autovacuum would


async def grow_products(url: str, start: int, stop: int) -> float:
    """Adds products [start, stop); seconds it took (load, index rebuild, analyse)."""
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await _copy(conn, "products", _PRODUCT_COLUMNS, _products(start, stop))
    finally:
        await conn.close()
    return time.perf_counter() - began


async def grow_orders(url: str, start: int, stop: int) -> float:
    """Adds orders [start, stop) with one line each; seconds it took."""
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await _copy(conn, "orders", _ORDER_COLUMNS, _orders(start, stop))
        lines = (
            (str(uuid.UUID(int=(2 << 64) + i)), product_id(i % 1000), 1, 1999)
            for i in range(start, stop)
        )
        columns = ["order_id", "product_id", "quantity", "unit_price"]
        await _copy(conn, "order_items", columns, lines)
    finally:
        await conn.close()
    return time.perf_counter() - began
