"""Stock counters on the SQL store: on-hand changes and the units reservations move.

Every change is one conditional UPDATE: a row lock (PostgreSQL) or the database write
lock (SQLite, BEGIN IMMEDIATE) makes each `UPDATE ... WHERE stock >= :q` atomic, so no
interleaving can take stock below zero.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import Line, OutOfStock, Product, ProductNotFound, utcnow
from shop.products.events import low_stock_event
from shop.products.models import products
from shop.products.sql_rows import product_from_row

_SET_STOCK_ATTEMPTS = 20


class SqlStock:
    """The stock half of SqlProductStore (reservations are SqlReservations)."""

    def _uow(self) -> UnitOfWork:
        raise NotImplementedError

    async def change_stock(
        self, product_id: str, *, delta: int | None = None, set_to: int | None = None
    ) -> Product:
        for _ in range(_SET_STOCK_ATTEMPTS):
            async with self._uow() as uow:
                session = uow.session
                condition: Any
                if set_to is not None:
                    # Compare-and-set on the value read, so the change is exactly known.
                    current = await session.scalar(
                        select(products.c.stock).where(products.c.id == product_id)
                    )
                    if current is None:
                        raise ProductNotFound(product_id)
                    step, condition = set_to - int(current), products.c.stock == current
                else:
                    step = delta or 0
                    condition = products.c.stock + step >= 0
                row = (
                    await session.execute(
                        update(products)
                        .where(products.c.id == product_id, condition)
                        .values(
                            stock=products.c.stock + step,
                            stocked=products.c.stocked + step,
                            updated_at=utcnow(),
                        )
                        .returning(products)
                    )
                ).first()
                if row is None:
                    if set_to is not None:
                        continue  # stock moved under us: read again
                    if await _exists(session, product_id):
                        raise OutOfStock(product_id)
                    raise ProductNotFound(product_id)
                product = product_from_row(row._mapping)
                _emit_if_crossed(uow, product, before=product.stock - step)
                await uow.commit()
                return product
        raise OutOfStock(product_id)  # pragma: no cover - only under relentless contention


# Built once, the values bound at each call: building the statement per call (and
# SQLAlchemy keying its cache on it) was about a tenth of a reservation's CPU.
_QUANTITY = bindparam("b_quantity", type_=products.c.stock.type)
_RESERVE_UNITS = (
    update(products)
    .where(products.c.id == bindparam("b_product_id"), products.c.stock >= _QUANTITY)
    .values(
        stock=products.c.stock - _QUANTITY,
        reserved=products.c.reserved + _QUANTITY,
        updated_at=bindparam("b_now", type_=products.c.updated_at.type),
    )
    .returning(products)
)


async def reserve_units(uow: UnitOfWork, line: Line) -> None:
    """Moves a line's units from stock to reserved; OutOfStock / ProductNotFound."""
    values = {"b_product_id": line.product_id, "b_quantity": line.quantity, "b_now": utcnow()}
    row = (await uow.session.execute(_RESERVE_UNITS, values)).first()
    if row is None:
        if await _exists(uow.session, line.product_id):
            raise OutOfStock(line.product_id, requested=line.quantity)
        raise ProductNotFound(line.product_id)
    product = product_from_row(row._mapping)
    _emit_if_crossed(uow, product, before=product.stock + line.quantity)


async def shift_units(session: AsyncSession, line: Line, **deltas: int) -> None:
    """Adds each delta to its counter (stock, reserved, sold) of the line's product."""
    values: dict[str, Any] = {f"b_{name}": delta for name, delta in deltas.items()}
    values["b_product_id"] = line.product_id
    await session.execute(_shift(tuple(sorted(deltas))), values)


@functools.cache
def _shift(names: tuple[str, ...]) -> Update:
    """UPDATE adding a bound delta to each named counter (one statement per set of names)."""
    deltas = {
        name: products.c[name] + bindparam(f"b_{name}", type_=products.c[name].type)
        for name in names
    }
    return update(products).where(products.c.id == bindparam("b_product_id")).values(**deltas)


async def _exists(session: AsyncSession, product_id: str) -> bool:
    found = await session.scalar(select(products.c.id).where(products.c.id == product_id))
    return found is not None


def _emit_if_crossed(uow: UnitOfWork, product: Product, *, before: int) -> None:
    event = low_stock_event(product, before=before)
    if event is not None:
        uow.emit(event)
