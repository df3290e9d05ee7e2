"""PostgreSQL's estimate of a search term's matches is what picks the plan (catalog_reads:
walk the sort index for a common term, else find every match and sort), so it must see a
common word as common: migration 0005 gives the trigram indexes' expressions a histogram
of 1,000 entries. At the default 100, in this catalog (names sorted in blocks of 40 per
adjective and noun, a histogram entry every 200 rows), 40 of the 50 nouns had no entry and
were estimated at 2 matches of 400."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import pytest

from shop.products.bootstrap import migrate_sql
from tests.support.databases import create_postgres_database, drop_postgres_database

ADJECTIVES = [f"adj{a}" for a in "abcdefghij"]
NOUNS = [f"noun{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(50)]
ROWS = 20_000  # ANALYZE reads every row at both targets: the histograms are deterministic


@pytest.fixture
async def catalog() -> AsyncIterator[asyncpg.Connection]:
    name, url = create_postgres_database("shop_search_estimates")
    try:
        await migrate_sql(url)
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        rows = []
        at = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(ROWS):
            adjective, noun = ADJECTIVES[i % 10], NOUNS[(i // 10) % 50]
            rows.append(
                (f"p{i}", f"{adjective} {noun} {i}", f"a {adjective} {noun} {i // 1000}",
                 100 + i % 1000, "cat", f"SKU-{i}", 1, 0, 0, 1, 0, "{}", at, at)
            )  # fmt: skip
        columns = ["id", "name", "description", "price", "category", "sku", "stock",
                   "reserved", "sold", "stocked", "low_stock_threshold", "attributes",
                   "created_at", "updated_at"]  # fmt: skip
        await conn.copy_records_to_table("products", records=rows, columns=columns)
        await conn.execute("ANALYZE products")
        try:
            yield conn
        finally:
            await conn.close()
    finally:
        drop_postgres_database(name)


async def _estimate(conn: asyncpg.Connection, term: str) -> int:
    where = "lower(name) LIKE $1 OR lower(description) LIKE $1"
    plan = await conn.fetchval(
        f"EXPLAIN (FORMAT JSON) SELECT id FROM products WHERE {where}", f"%{term}%"
    )
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])


async def test_every_common_word_is_estimated_near_its_real_matches(
    catalog: asyncpg.Connection,
) -> None:
    for noun in NOUNS:
        actual = await catalog.fetchval(
            "SELECT count(*) FROM products WHERE lower(name) LIKE $1", f"%{noun}%"
        )
        assert actual == ROWS // 50
        estimate = await _estimate(catalog, noun)
        # Name and description both hold the noun: the planner adds the two (up to 2x).
        assert actual / 2 <= estimate <= actual * 3, (noun, estimate, actual)
