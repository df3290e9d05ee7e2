"""The stock moves on SQL: each one a conditional UPDATE inside one transaction.

A row lock (PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE) makes each
`UPDATE products ... WHERE stock >= :q` atomic, so no interleaving can take a counter
below zero; status moves (`WHERE status = 'reserved'`) let exactly one of two racing
callers win. What the moves are is the domain's (`domain/stock_moves.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

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
from shop.products.domain.stock_moves import Counter
from shop.products.stores.line_moves import move_line_by_line
from shop.products.stores.sql import stock_statements as statements
from shop.products.stores.sql.pg_moves import RESERVATION_COLUMNS, held_move_statement
from shop.products.stores.sql.rows import (
    RESERVATION_BY_ORDER,
    product_from_row,
    reservation_from_row,
)
from shop.products.stores.sql.runners import KeyTaken, StatementRunner

# Bound-parameter names per counter, not formatted again on every move.
_DELTA_NAMES = {counter: f"b_{counter}" for counter in get_args(Counter)}
_FLOOR_NAMES = {counter: f"b_least_{counter}" for counter in get_args(Counter)}
_RESERVATION_RENAMED = tuple((name, f"r_{name}") for name in RESERVATION_COLUMNS)


class SqlStockTransaction:
    """`StockTransaction` over one SQL transaction: the statements, built once each.

    With `merge_writes` (PostgreSQL, whose CTEs may write), a new reservation's INSERT is
    held back and rides in a CTE of the units UPDATE that follows it: one round trip
    fewer per reservation. A unique key it repeats fails that statement instead, with the
    same ReservationTaken; `flush` writes one no UPDATE followed. A reservation's move
    and its lines' units are one statement too (`pg_moves.py`).

    With `quiet` (statements sent each by itself, `PgStockWriter`), a units UPDATE that
    takes stock away also refuses (None, nothing written) to cross a low-stock threshold,
    whose event would need a transaction, and a held-back reservation is written only
    with the units it rides with.
    """

    def __init__(
        self, runner: StatementRunner, *, merge_writes: bool = False, quiet: bool = False
    ) -> None:
        self._runner = runner
        self._merge_writes = merge_writes
        self._quiet = quiet
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
                await self._runner.execute(statements.INSERT_RESERVATION, values)
            except KeyTaken:
                raise ReservationTaken(order_id) from None

    async def move_reservation(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> Reservation | None:
        assert move.source is not None and move.target is not None
        await self.flush()
        statement = statements.reservation_statement(move.expiry)
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
            return await move_line_by_line(self, order_id, move, now=now)
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
            {name: rows[0][renamed] for name, renamed in _RESERVATION_RENAMED},
            reservation_id=rows[0]["r_id"],
        )
        if move.quiet:  # its row holds no products (`held_move_statement`)
            return reservation, []
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
        quiet = self._quiet and changes.get("stock", 0) < 0
        statement = statements.units_statement(
            tuple(changes), tuple(least), stock_is is not None, quiet
        )
        values: dict[str, Any] = {"b_id": product_id, "b_now": utcnow()}
        if stock_is is not None:
            values["b_stock_is"] = stock_is
        for counter, change in changes.items():
            values[_DELTA_NAMES[counter]] = change
        for counter, floor in least.items():
            values[_FLOOR_NAMES[counter]] = floor
        if self._pending is None:
            row = await self._runner.first(statement, values)
        else:
            (order_id, held_back), self._pending = self._pending, None
            merged = (
                statements.with_reservation_if_moved(statement)
                if self._quiet
                else statements.with_new_reservation(statement)
            )
            try:
                row = await self._runner.first(merged, values | held_back)
            except KeyTaken:
                raise ReservationTaken(order_id) from None
        return product_from_row(row) if row else None

    async def stock_of(self, product_id: str) -> int | None:
        row = await self._runner.first(statements.STOCK_OF, {"b_id": product_id})
        return None if row is None else int(row["stock"])

    def emit(self, event: DomainEvent) -> None:
        self._runner.emit(event)
