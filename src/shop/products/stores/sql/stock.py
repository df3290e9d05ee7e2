"""The stock moves on SQL: each one a conditional UPDATE inside one transaction.

A row lock (PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE) makes each
`UPDATE products ... WHERE stock >= :q` atomic, so no interleaving can take a counter
below zero; status moves (`WHERE status = 'reserved'`) let exactly one of two racing
callers win. What the moves are is the domain's (`domain/stock_moves.py`).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, insert, select, update

from shop.common.clock import utcnow
from shop.common.events import DomainEvent
from shop.products.domain import (
    Changes,
    Line,
    Product,
    Reservation,
    ReservationTaken,
    StockMove,
    floors,
    reservation_fields,
    reservation_from_fields,
)
from shop.products.stores import inventory
from shop.products.stores.sql.models import products, reservations
from shop.products.stores.sql.pg_moves import RESERVATION_COLUMNS, held_move_statement
from shop.products.stores.sql.rows import (
    RESERVATION_BY_ORDER,
    product_from_row,
    reservation_from_row,
)
from shop.products.stores.sql.runners import KeyTaken, StatementRunner


class SqlStockTransaction:
    """`StockTransaction` over one SQL transaction: the statements, built once each.

    With `merge_writes` (PostgreSQL, whose CTEs may write), a new reservation's INSERT is
    held back and rides in a CTE of the units UPDATE that follows it: one round trip
    fewer per reservation. A unique key it repeats fails that statement instead, with the
    same ReservationTaken; `flush` writes one no UPDATE followed. A reservation's move
    and its lines' units are one statement too (`pg_moves.py`).
    """

    def __init__(self, runner: StatementRunner, *, merge_writes: bool = False) -> None:
        self._runner = runner
        self._merge_writes = merge_writes
        self._pending: tuple[str, dict[str, Any]] | None = None  # (order id, INSERT values)

    async def reservation(self, order_id: str) -> Reservation | None:
        await self.flush()  # a reservation held back is one to read too
        row = await self._runner.first(RESERVATION_BY_ORDER, {"b_order_id": order_id})
        return reservation_from_row(row) if row else None

    async def add_reservation(self, reservation: Reservation) -> None:
        fields = {"id": reservation.id, **reservation_fields(reservation)}
        values = {f"b_reservation_{name}": value for name, value in fields.items()}
        self._pending = (reservation.order_id, values)
        if not self._merge_writes:
            await self.flush()

    async def flush(self) -> None:
        """Writes a new reservation still held back."""
        if self._pending is not None:
            (order_id, values), self._pending = self._pending, None
            try:
                await self._runner.execute(_INSERT_RESERVATION, values)
            except KeyTaken:
                raise ReservationTaken(order_id) from None

    async def move_reservation(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> Reservation | None:
        assert move.source is not None and move.target is not None
        await self.flush()
        statement = _reservation_statement(move.expiry)
        values = {
            "b_order_id": order_id,
            "b_source": move.source.value,
            "b_target": move.target.value,
            "b_now": now,
            "b_updated_at": utcnow(),
        }
        row = await self._runner.first(statement, values)
        return reservation_from_row(row) if row else None

    async def move_held(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> tuple[Reservation, list[tuple[Line, Product]]] | None:
        if not self._merge_writes:
            return await inventory.move_line_by_line(self, order_id, move, now=now)
        assert move.source is not None and move.target is not None
        await self.flush()
        values = {
            "order_id": order_id,
            "source": move.source.value,
            "target": move.target.value,
            "now": now,
            "updated_at": utcnow(),
        }
        rows = await self._runner.all(held_move_statement(move), values)
        if not rows:
            return None
        reservation = reservation_from_fields(
            {name: rows[0][f"r_{name}"] for name in RESERVATION_COLUMNS},
            reservation_id=rows[0]["r_id"],
        )
        held = [
            (Line(row["id"], int(row["moved_quantity"])), product_from_row(row))
            for row in rows
            if row["id"] is not None
        ]
        return reservation, held

    async def move_units(
        self, product_id: str, changes: Changes, *, stock_is: int | None = None
    ) -> Product | None:
        least = floors(changes)
        statement = _units_statement(tuple(changes), tuple(least), stock_is is not None)
        values: dict[str, Any] = {"b_id": product_id, "b_now": utcnow()}
        if stock_is is not None:
            values["b_stock_is"] = stock_is
        values.update({f"b_{counter}": change for counter, change in changes.items()})
        values.update({f"b_least_{counter}": floor for counter, floor in least.items()})
        if self._pending is None:
            row = await self._runner.first(statement, values)
        else:
            (order_id, held_back), self._pending = self._pending, None
            try:
                row = await self._runner.first(_with_new_reservation(statement), values | held_back)
            except KeyTaken:
                raise ReservationTaken(order_id) from None
        return product_from_row(row) if row else None

    async def stock_of(self, product_id: str) -> int | None:
        row = await self._runner.first(_STOCK_OF, {"b_id": product_id})
        return None if row is None else int(row["stock"])

    def emit(self, event: DomainEvent) -> None:
        self._runner.emit(event)


_INSERT_RESERVATION = insert(reservations).values(
    {
        column: bindparam(f"b_reservation_{column.name}", type_=column.type)
        for column in reservations.c
    }
)
_STOCK_OF = select(products.c.stock).where(products.c.id == bindparam("b_id"))


@functools.cache
def _reservation_statement(expiry: str | None) -> Update:
    """`UPDATE reservations` from one status to another (live or due only, if asked);
    built once per kind, like `_units_statement`."""
    columns = reservations.c
    conditions: list[Any] = [
        columns.order_id == bindparam("b_order_id"),
        columns.status == bindparam("b_source"),
    ]
    now = bindparam("b_now", type_=columns.expires_at.type)
    if expiry == "live":
        conditions.append(columns.expires_at > now)
    elif expiry == "due":
        conditions.append(columns.expires_at <= now)
    updated_at = bindparam("b_updated_at", type_=columns.updated_at.type)
    return (
        update(reservations)
        .where(*conditions)
        .values(status=bindparam("b_target"), updated_at=updated_at)
        .returning(reservations)
    )


@functools.cache
def _units_statement(counters: tuple[str, ...], floored: tuple[str, ...], pinned: bool) -> Update:
    """`UPDATE products` adding bound deltas, guarded by bound floors; built once per shape.
    Building the statement per call (and SQLAlchemy keying its cache on it) was about a
    tenth of a reservation's CPU."""
    columns = products.c
    conditions: list[Any] = [columns.id == bindparam("b_id")]
    conditions += [columns[c] >= bindparam(f"b_least_{c}", type_=columns[c].type) for c in floored]
    if pinned:
        conditions.append(columns.stock == bindparam("b_stock_is", type_=columns.stock.type))
    deltas = {c: columns[c] + bindparam(f"b_{c}", type_=columns[c].type) for c in counters}
    now = bindparam("b_now", type_=columns.updated_at.type)
    return update(products).where(*conditions).values(**deltas, updated_at=now).returning(products)


@functools.cache
def _with_new_reservation(units: Update) -> Update:
    """The units UPDATE with the held-back reservation INSERT in a CTE (PostgreSQL runs
    a CTE's write whether or not the statement reads it)."""
    return units.add_cte(_INSERT_RESERVATION.cte("new_reservation"))
