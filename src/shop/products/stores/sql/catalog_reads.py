"""Catalog reads of the SQL store, outside any transaction (the service's hot path).

On PostgreSQL they go straight through asyncpg (`pg_reader.py`); on SQLite through a
plain engine connection. The statements are the ones built once in `catalog.py` / `rows.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shop.products.domain import Product, ProductQuery
from shop.products.stores.sql.catalog import (
    CATALOG_TOTAL,
    ESTIMATE_ONLY,
    SORT_ORDER_DEPTH,
    TOTAL_CAP,
    catalog_count,
    catalog_exact_count,
    catalog_matches,
    catalog_page,
    catalog_params,
    catalog_shape,
    in_sort_order,
)
from shop.products.stores.sql.models import products
from shop.products.stores.sql.pg_reader import PgReader
from shop.products.stores.sql.rows import PRODUCT_BY_ID, PRODUCTS_BY_IDS, product_from_row

READ_POOL_SIZE = 20


class SqlCatalogReader:
    """Single-statement reads of products, each in autocommit."""

    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._engine = engine
        self._sessions = sessions
        self._dialect = engine.dialect.name
        self._reader = (
            PgReader(engine.url, dialect=engine.dialect, size=READ_POOL_SIZE)
            if engine.url.get_driver_name() == "asyncpg"
            else None
        )

    async def _read(
        self, statement: Executable, params: dict[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """Rows of one read-only statement (PostgreSQL: straight through asyncpg)."""
        if self._reader is not None:
            return await self._reader.fetch(statement, params)
        async with self._engine.connect() as conn:
            return (await conn.execute(statement, params)).mappings().all()

    async def get_product(self, product_id: str) -> Product | None:
        rows = await self._read(PRODUCT_BY_ID, {"id": product_id})
        return product_from_row(rows[0]) if rows else None

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]:
        if self._reader is not None:  # CheckInventory on the order hot path: no transaction
            found = await self._reader.fetch(PRODUCTS_BY_IDS, {"ids": list(set(product_ids))})
            return {row["id"]: product_from_row(row) for row in found}
        async with self._sessions() as session:
            rows = (
                await session.execute(select(products).where(products.c.id.in_(set(product_ids))))
            ).all()
        return {row.id: product_from_row(row._mapping) for row in rows}

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        shape, params = catalog_shape(query), catalog_params(query, dialect=self._dialect)
        estimate: int | None = None
        if self._reader is not None:
            # The planner's guess costs a planning, no execution: where it expects many
            # matches, counting them (bounded or not) would cost more than the page.
            matches = catalog_matches(shape, dialect=self._dialect)
            estimate = await self._reader.estimate_rows(matches, params)
        counted = estimate is None or estimate <= ESTIMATE_ONLY
        if not counted and query.page * query.limit <= SORT_ORDER_DEPTH:
            shape = in_sort_order(shape)
        page = catalog_page(shape, dialect=self._dialect, counted=counted)
        rows = await self._read(page, params)
        found = [product_from_row(row) for row in rows]
        if not counted:
            assert estimate is not None
            return found, max(estimate, (query.page - 1) * query.limit + len(found))
        if rows:
            total = int(rows[0][CATALOG_TOTAL])
        elif query.page == 1:
            return [], 0
        else:
            total = int(
                (await self._read(catalog_count(shape, dialect=self._dialect), params))[0][
                    CATALOG_TOTAL
                ]
            )
        if total <= TOTAL_CAP:
            return found, total
        if estimate is not None:  # PostgreSQL: its estimate, never below what was counted
            return found, max(TOTAL_CAP + 1, estimate)
        # SQLite (no row estimate; an embedded catalog is small): count them all.
        exact = await self._read(catalog_exact_count(shape, dialect=self._dialect), params)
        return found, int(exact[0][CATALOG_TOTAL])

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
