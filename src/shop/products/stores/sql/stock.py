"""The stock moves on SQL: each one a conditional UPDATE inside the store's unit of work.

A row lock (PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE) makes each
`UPDATE products ... WHERE stock >= :q` atomic, so no interleaving can take a counter
below zero; status moves (`WHERE status = 'reserved'`) let exactly one of two racing
callers win. What the moves are is the domain's (`domain/stock_moves.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from shop.common.clock import utcnow
from shop.common.events import DomainEvent
from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import (
    Changes,
    Product,
    Reservation,
    ReservationTaken,
    StockMove,
    floors,
    reservation_fields,
)
from shop.products.stores.sql.models import products, reservations
from shop.products.stores.sql.rows import (
    product_from_row,
    reservation_by_order,
    reservation_from_row,
)


class SqlStockTransaction:
    """`StockTransaction` over one SQL unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def reservation(self, order_id: str) -> Reservation | None:
        row = (await self._uow.session.execute(reservation_by_order(order_id))).first()
        return reservation_from_row(row._mapping) if row else None

    async def add_reservation(self, reservation: Reservation) -> None:
        values = {"id": reservation.id, **reservation_fields(reservation)}
        try:
            await self._uow.session.execute(insert(reservations).values(values))
        except IntegrityError as exc:
            raise ReservationTaken(reservation.order_id) from exc

    async def move_reservation(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> Reservation | None:
        assert move.source is not None and move.target is not None
        conditions: list[Any] = [
            reservations.c.order_id == order_id,
            reservations.c.status == move.source.value,
        ]
        if move.expiry == "live":
            conditions.append(reservations.c.expires_at > now)
        elif move.expiry == "due":
            conditions.append(reservations.c.expires_at <= now)
        statement = (
            update(reservations)
            .where(*conditions)
            .values(status=move.target.value, updated_at=utcnow())
            .returning(reservations)
        )
        row = (await self._uow.session.execute(statement)).first()
        return reservation_from_row(row._mapping) if row else None

    async def move_units(
        self, product_id: str, changes: Changes, *, stock_is: int | None = None
    ) -> Product | None:
        columns = products.c
        conditions: list[Any] = [columns.id == product_id]
        conditions += [columns[counter] >= least for counter, least in floors(changes).items()]
        if stock_is is not None:
            conditions.append(columns.stock == stock_is)
        counters = {counter: columns[counter] + change for counter, change in changes.items()}
        statement = (
            update(products)
            .where(*conditions)
            .values(**counters, updated_at=utcnow())
            .returning(products)
        )
        row = (await self._uow.session.execute(statement)).first()
        return product_from_row(row._mapping) if row else None

    async def stock_of(self, product_id: str) -> int | None:
        stock = await self._uow.session.scalar(
            select(products.c.stock).where(products.c.id == product_id)
        )
        return None if stock is None else int(stock)

    def emit(self, event: DomainEvent) -> None:
        self._uow.emit(event)
