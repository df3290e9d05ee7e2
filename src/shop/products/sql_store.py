"""The SQL store: SQLAlchemy Core on SQLite (embedded default) or PostgreSQL (JSONB)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import session_factory
from shop.common.errors import AlreadyExists, Conflict
from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import NewProduct, Product, ProductNotFound, ProductQuery, new_id, utcnow
from shop.products.events import SOURCE
from shop.products.models import outbox, products
from shop.products.sql_inventory import SqlInventory
from shop.products.sql_rows import catalog_page, product_from_row

CATALOG_FIELDS = frozenset(
    {"name", "description", "price", "category", "sku", "low_stock_threshold", "attributes"}
)


class SqlProductStore(SqlInventory):
    """ProductStore on SQLAlchemy; each public method is one transaction."""

    def __init__(self, engine: AsyncEngine, *, wake_relay: asyncio.Event | None = None) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._wake_relay = wake_relay
        self._dialect = engine.dialect.name

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, outbox=outbox, source=SOURCE, wake_relay=self._wake_relay)

    async def create_product(self, new: NewProduct) -> Product:
        now = utcnow()
        values: dict[str, Any] = {
            "id": new_id(),
            "name": new.name,
            "description": new.description,
            "price": new.price,
            "category": new.category,
            "sku": new.sku,
            "stock": new.stock,
            "reserved": 0,
            "sold": 0,
            "stocked": new.stock,
            "low_stock_threshold": new.low_stock_threshold,
            "attributes": new.attributes,
            "created_at": now,
            "updated_at": now,
        }
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
        async with self._sessions() as session:
            row = (
                await session.execute(select(products).where(products.c.id == product_id))
            ).first()
        return product_from_row(row._mapping) if row else None

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]:
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
        page, count = catalog_page(query, dialect=self._dialect)
        async with self._sessions() as session:
            rows = (await session.execute(page)).all()
            total = int(await session.scalar(count) or 0)
        return [product_from_row(row._mapping) for row in rows], total

    async def count_products(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(products)) or 0)

    async def close(self) -> None:
        await self.engine.dispose()
