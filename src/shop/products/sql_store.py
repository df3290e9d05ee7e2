"""The SQL store: SQLAlchemy Core on SQLite (embedded default) or PostgreSQL (JSONB)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import session_factory
from shop.common.errors import AlreadyExists, Conflict
from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import NewProduct, Product, ProductNotFound, ProductQuery, new_id, utcnow
from shop.products.events import SOURCE
from shop.products.models import outbox, products
from shop.products.pg_reader import PgReader
from shop.products.sql_catalog import (
    CATALOG_TOTAL,
    ESTIMATE_ONLY,
    TOTAL_CAP,
    catalog_count,
    catalog_exact_count,
    catalog_matches,
    catalog_page,
    catalog_params,
    catalog_shape,
)
from shop.products.sql_reservations import SqlReservations
from shop.products.sql_rows import PRODUCT_BY_ID, PRODUCTS_BY_IDS, product_from_row
from shop.products.sql_stock import SqlStock

READ_POOL_SIZE = 20
CATALOG_FIELDS = frozenset(
    {"name", "description", "price", "category", "sku", "low_stock_threshold", "attributes"}
)


class SqlProductStore(SqlStock, SqlReservations):
    """ProductStore on SQLAlchemy; each public method is one transaction."""

    def __init__(self, engine: AsyncEngine, *, wake_relay: asyncio.Event | None = None) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._wake_relay = wake_relay
        self._dialect = engine.dialect.name
        # Catalog reads are the hot path; on PostgreSQL they bypass SQLAlchemy's execution.
        self._reader = (
            PgReader(engine.url, dialect=engine.dialect, size=READ_POOL_SIZE)
            if engine.url.get_driver_name() == "asyncpg"
            else None
        )

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, outbox=outbox, source=SOURCE, wake_relay=self._wake_relay)

    async def create_product(self, new: NewProduct) -> Product:
        now = utcnow()
        values: dict[str, Any] = {"id": new_id(), **new.fields(now)}
        async with self._uow() as uow:
            try:
                row = (
                    await uow.session.execute(insert(products).values(values).returning(products))
                ).one()
            except IntegrityError as exc:
                raise AlreadyExists(f"A product with sku {new.sku!r} already exists") from exc
            await uow.commit()
        return product_from_row(row._mapping)

    async def _read(
        self, statement: Executable, params: dict[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """Rows of one read-only statement (PostgreSQL: straight through asyncpg)."""
        if self._reader is not None:
            return await self._reader.fetch(statement, params)
        async with self.engine.connect() as conn:
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

    async def update_product(self, product_id: str, changes: dict[str, Any]) -> Product:
        unknown = set(changes) - CATALOG_FIELDS
        if unknown:
            raise ValueError(f"not catalog fields: {sorted(unknown)}")
        statement = (
            update(products)
            .where(products.c.id == product_id)
            .values(**changes, updated_at=utcnow())
            .returning(products)
        )
        async with self._uow() as uow:
            try:
                row = (await uow.session.execute(statement)).first()
            except IntegrityError as exc:
                raise AlreadyExists(
                    f"A product with sku {changes.get('sku')!r} already exists"
                ) from exc
            if row is None:
                raise ProductNotFound(product_id)
            await uow.commit()
        return product_from_row(row._mapping)

    async def delete_product(self, product_id: str) -> None:
        async with self._uow() as uow:
            # Units held for an order must stay accountable until it commits or releases.
            result = await uow.session.execute(
                delete(products).where(products.c.id == product_id, products.c.reserved == 0)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                exists = await uow.session.scalar(
                    select(products.c.id).where(products.c.id == product_id)
                )
                if exists is None:
                    raise ProductNotFound(product_id)
                raise Conflict("Product has units held by live reservations")
            await uow.commit()

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        shape, params = catalog_shape(query), catalog_params(query, dialect=self._dialect)
        estimate: int | None = None
        if self._reader is not None:
            # The planner's guess costs a planning, no execution: where it expects many
            # matches, counting them (bounded or not) would cost more than the page.
            matches = catalog_matches(shape, dialect=self._dialect)
            estimate = await self._reader.estimate_rows(matches, params)
        counted = estimate is None or estimate <= ESTIMATE_ONLY
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

    async def count_products(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(products)) or 0)

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        await self.engine.dispose()
