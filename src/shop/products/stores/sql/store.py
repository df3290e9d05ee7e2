"""The SQL store: SQLAlchemy Core on SQLite (embedded default) or PostgreSQL (JSONB).

Catalog writes live here; catalog reads are `catalog_reads.py`; the stock flows are the
shared ones of `stores/inventory.py`, applied by `stock.py`'s conditional UPDATEs (on
PostgreSQL straight through asyncpg, `pg_stock.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.clock import utcnow
from shop.common.db import session_factory
from shop.common.errors import AlreadyExists, Conflict
from shop.common.ids import new_id
from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import (
    NewProduct,
    Product,
    ProductNotFound,
    ProductQuery,
    Reservation,
    ReservationStatus,
)
from shop.products.events import SOURCE
from shop.products.stores.protocol import StockTransaction
from shop.products.stores.sql.catalog_reads import SqlCatalogReader
from shop.products.stores.sql.models import outbox, products, reservations
from shop.products.stores.sql.pg_stock import PgStockWriter
from shop.products.stores.sql.rows import (
    RESERVATION_BY_ORDER,
    product_from_row,
    reservation_from_row,
)
from shop.products.stores.sql.runners import SessionRunner
from shop.products.stores.sql.stock import SqlStockTransaction
from shop.products.stores.stock_methods import StockMethods

T = TypeVar("T")
# Stock transactions are a few milliseconds each: 10 carry an order bench of 32 connections,
# and two replicas with their catalog readers and engines stay within max_connections=100.
STOCK_POOL_SIZE = 10
CATALOG_FIELDS = frozenset(
    {"name", "description", "price", "category", "sku", "low_stock_threshold", "attributes"}
)


class SqlProductStore(StockMethods):
    """ProductStore on SQLAlchemy; each public method is one transaction."""

    def __init__(self, engine: AsyncEngine, *, wake_relay: asyncio.Event | None = None) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._wake_relay = wake_relay
        # Catalog reads and stock moves are the hot paths; on PostgreSQL both bypass
        # SQLAlchemy's execution.
        self._catalog = SqlCatalogReader(engine, self._sessions)
        self._pg_stock = (
            PgStockWriter(
                engine, outbox=outbox, source=SOURCE, wake_relay=wake_relay, size=STOCK_POOL_SIZE
            )
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

    async def get_product(self, product_id: str) -> Product | None:
        return await self._catalog.get_product(product_id)

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]:
        return await self._catalog.get_products(product_ids)

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        return await self._catalog.list_products(query)

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

    async def count_products(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(products)) or 0)

    async def atomically(
        self, work: Callable[[StockTransaction], Awaitable[T]], *, alone: bool = False
    ) -> T:
        if self._pg_stock is not None:
            return await self._pg_stock.atomically(work, alone=alone)
        async with self._uow() as uow:
            result = await work(SqlStockTransaction(SessionRunner(uow)))
            await uow.commit()
        return result

    async def get_reservation(self, order_id: str) -> Reservation | None:
        if self._pg_stock is not None:
            return await self._pg_stock.atomically(lambda tx: tx.reservation(order_id), alone=True)
        async with self._sessions() as session:
            row = (await session.execute(RESERVATION_BY_ORDER, {"b_order_id": order_id})).first()
        return reservation_from_row(row._mapping) if row else None

    async def due_reservations(self, *, now: datetime, limit: int) -> list[str]:
        due = (
            select(reservations.c.order_id)
            .where(reservations.c.status == ReservationStatus.RESERVED.value)
            .where(reservations.c.expires_at <= now)
            .order_by(reservations.c.expires_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.scalars(due)).all())

    async def close(self) -> None:
        await self._catalog.close()
        if self._pg_stock is not None:
            await self._pg_stock.close()
        await self.engine.dispose()
