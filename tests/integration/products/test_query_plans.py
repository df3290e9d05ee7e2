"""The catalog's reads are served by indexes on PostgreSQL and SQLite (EXPLAIN says so), so
a later change cannot quietly bring back a scan of every product."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from shop.products.domain import ProductQuery, ReservationStatus
from shop.products.stores.sql.catalog import (
    TOTAL_CAP,
    catalog_page,
    catalog_params,
    catalog_shape,
    in_sort_order,
)
from shop.products.stores.sql.models import outbox, products, reservations
from shop.products.stores.sql.store import SqlProductStore
from tests.integration.products.conftest import new_product, postgres_store, sqlite_store

SEARCH = ProductQuery(search="widget")
SEARCH_BY_PRICE = ProductQuery(search="widget", sort_by="price", descending=False)
RARE = ProductQuery(search="widget 123456")
RARE_BY_PRICE = ProductQuery(search="brass widget 123456", sort_by="price", descending=False)
CATEGORY_BY_PRICE = ProductQuery(category="cat-x", sort_by="price", descending=False, page=50)
NEWEST = ProductQuery()


async def plan(store: SqlProductStore, query: ProductQuery, *, common: bool = False) -> str:
    """EXPLAIN of the statement the store runs for this query (`common`: as it does where
    PostgreSQL expects the term in many rows), as one text."""
    dialect = store.engine.dialect
    shape = in_sort_order(catalog_shape(query)) if common else catalog_shape(query)
    statement = catalog_page(shape, dialect=dialect.name, counted=not common)
    compiled = statement.compile(dialect=dialect)
    values = {**compiled.params, **catalog_params(query, dialect=dialect.name)}
    args = tuple(values[name] for name in compiled.positiontup or ())
    explain = "EXPLAIN " if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    async with store.engine.connect() as conn:
        if dialect.name == "postgresql":
            # With sequential scans priced out, a Seq Scan left in the plan means no
            # index can serve the query (a small table would otherwise be scanned anyway).
            await conn.exec_driver_sql("SET enable_seqscan = off")
        rows = (await conn.exec_driver_sql(explain + compiled.string, args)).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.fixture
async def pg(postgres_url: str) -> SqlProductStore:
    store = await postgres_store(postgres_url)
    for _ in range(3):
        await store.create_product(new_product())
    return store


@pytest.fixture
async def lite(tmp_path: Path) -> SqlProductStore:
    store = await sqlite_store(tmp_path / "products.db")
    for _ in range(3):
        await store.create_product(new_product())
    return store


async def test_postgres_search_uses_the_trigram_indexes(pg: SqlProductStore) -> None:
    for query in (SEARCH, SEARCH_BY_PRICE):
        explained = await plan(pg, query)
        assert "Seq Scan" not in explained, explained
        assert "ix_products_name_trgm" in explained and "ix_products_description_trgm" in explained
    await pg.close()


async def test_postgres_search_of_words_uses_the_word_index_alone(pg: SqlProductStore) -> None:
    # The trigram indexes' posting lists grow with the catalog for such a term (" 12", "  1"):
    # walking them as well, even ANDed with the word index, would bring that cost back.
    for query in (RARE, RARE_BY_PRICE):
        explained = await plan(pg, query)
        assert "Seq Scan" not in explained, explained
        assert "ix_products_search_words" in explained and "_trgm" not in explained, explained
    await pg.close()


async def test_postgres_common_terms_walk_the_sort_index(pg: SqlProductStore) -> None:
    # The trigram index would hand over every match of a common word to be sorted.
    for query, index in ((SEARCH, "ix_products_created_at_id"), (RARE_BY_PRICE, "price_id")):
        explained = await plan(pg, query, common=True)
        assert "Seq Scan" not in explained and index in explained, explained
        assert "_trgm" not in explained and "search_words" not in explained, explained
    await pg.close()


async def test_postgres_common_terms_find_what_the_index_finds(pg: SqlProductStore) -> None:
    for name in ("Blue Widget 1", "widget", "A WIDGETS rack", "Widge", "gadget"):
        await pg.create_product(new_product(name=name))
    dialect = pg.engine.dialect
    for query in (SEARCH, SEARCH_BY_PRICE, ProductQuery(search="idget"), RARE):
        params = catalog_params(query, dialect=dialect.name)
        found = []
        for shape in (catalog_shape(query), in_sort_order(catalog_shape(query))):
            async with pg.engine.connect() as conn:
                page = catalog_page(shape, dialect=dialect.name, counted=False)
                rows = await conn.execute(page, params)
                found.append([row.id for row in rows])
        assert found[0] == found[1], query
    await pg.close()


async def test_postgres_listings_read_a_page_in_index_order(pg: SqlProductStore) -> None:
    explained = await plan(pg, CATEGORY_BY_PRICE)
    assert "Seq Scan" not in explained and "ix_products_category_price_id" in explained, explained
    explained = await plan(pg, NEWEST)
    assert "Seq Scan" not in explained and "ix_products_created_at_id" in explained, explained
    await pg.close()


async def test_sqlite_search_uses_fts5_and_listings_an_index(lite: SqlProductStore) -> None:
    explained = await plan(lite, SEARCH)
    assert "products_fts VIRTUAL TABLE INDEX" in explained, explained
    for query, index in (
        (CATEGORY_BY_PRICE, "ix_products_category_price_id"),
        (NEWEST, "ix_products_created_at_id"),
    ):
        explained = await plan(lite, query)
        assert index in explained, explained
    await lite.close()


async def test_sqlite_search_finds_substrings_and_follows_updates(lite: SqlProductStore) -> None:
    made = await lite.create_product(new_product(name="Brass Desk LAMP"))
    found, total = await lite.list_products(ProductQuery(search="desk lam"))
    assert [p.id for p in found] == [made.id] and total == 1
    await lite.update_product(made.id, {"name": "Brass Floor Light"})
    assert (await lite.list_products(ProductQuery(search="desk lam")))[1] == 0
    assert (await lite.list_products(ProductQuery(search="oor lig")))[1] == 1
    assert (await lite.list_products(ProductQuery(search="or")))[1] == 1  # short: LIKE
    await lite.delete_product(made.id)
    assert (await lite.list_products(ProductQuery(search="oor lig")))[1] == 0
    await lite.close()


async def _many(store: SqlProductStore, category: str, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {"id": str(uuid.uuid4()), **new_product(category=category).fields(now)}
        for _ in range(count)
    ]
    async with store.engine.begin() as conn:
        await conn.execute(insert(products), rows)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_totals_are_exact_to_the_cap_then_never_below_it(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "sqlite":
        store = await sqlite_store(tmp_path / "products.db")
    else:
        store = await postgres_store(request.getfixturevalue("postgres_url"))
    small, large = f"small-{uuid.uuid4().hex[:8]}", f"large-{uuid.uuid4().hex[:8]}"
    try:
        await _many(store, small, 30)
        await _many(store, large, TOTAL_CAP + 5)
        page, total = await store.list_products(ProductQuery(category=small, limit=7, page=2))
        assert len(page) == 7 and total == 30
        page, total = await store.list_products(ProductQuery(category=large, limit=5))
        assert len(page) == 5
        # SQLite counts them all; PostgreSQL says "more than the cap" by its estimate.
        assert total == TOTAL_CAP + 5 if backend == "sqlite" else total > TOTAL_CAP
        _, past_the_end = await store.list_products(ProductQuery(category=small, page=9))
        assert past_the_end == 30
    finally:
        await store.close()


async def test_postgres_sweep_and_outbox_claim_use_their_partial_indexes(
    pg: SqlProductStore,
) -> None:
    # Both indexes are partial on PostgreSQL (migration 0004): the planner must still see
    # that these queries' conditions imply the predicates.
    due = (
        select(reservations.c.order_id)
        .where(reservations.c.status == ReservationStatus.RESERVED.value)
        .where(reservations.c.expires_at <= datetime(2026, 1, 1, tzinfo=UTC))
        .order_by(reservations.c.expires_at)
        .limit(100)
    )
    claim = (
        select(outbox.c.id).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(100)
    )
    for statement, index in (
        (due, "ix_reservations_status_expires"),
        (claim, "ix_outbox_unpublished"),
    ):
        compiled = statement.compile(pg.engine, compile_kwargs={"literal_binds": True})
        async with pg.engine.connect() as conn:
            await conn.exec_driver_sql("SET enable_seqscan = off")
            rows = (await conn.exec_driver_sql(f"EXPLAIN {compiled}")).all()
        explained = "\n".join(str(row[0]) for row in rows)
        assert index in explained and "Seq Scan" not in explained, explained
    await pg.close()
