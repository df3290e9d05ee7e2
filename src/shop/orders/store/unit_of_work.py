"""The order store's unit of work: one transaction on one pooled connection, whose events go
to the outbox with it, and the order repositories on that connection.

The store runs Core statements only, so it takes a connection rather than the ORM session
the common unit of work opens: the session's bookkeeping around every statement (its
transaction snapshots, identity map and events) was a large share of an order's CPU and
bought the store nothing.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.common.unit_of_work import outbox_rows
from shop.orders.domain import StatusMove
from shop.orders.events import SOURCE
from shop.orders.store import order_writes
from shop.orders.store.models import outbox
from shop.orders.store.pending_changes import PendingChanges
from shop.orders.store.repositories import SqlOrderRepository

_INSERT_EVENTS = insert(outbox)


class SqlUnitOfWork(PendingChanges):
    """`async with uow:` opens a transaction; `commit()` writes pending events and commits.

    Leaving the block without commit rolls everything back, events included: an event
    exists if and only if its change was committed (and so does a status counted in
    shop_orders_total).
    """

    def __init__(self, engine: AsyncEngine, *, wake_relay: asyncio.Event | None) -> None:
        super().__init__(wake_relay=wake_relay)
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._orders: SqlOrderRepository | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self._engine.connect()
        self._begin_block()
        self._orders = SqlOrderRepository(self._conn, entered=self._entered)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._connection, None
        self._orders = None
        self._end_block()
        try:
            await conn.rollback()
        finally:
            await conn.close()

    @property
    def _connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._conn

    @property
    def orders(self) -> SqlOrderRepository:
        if self._orders is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._orders

    async def commit_move(self, move: StatusMove) -> bool:
        """The move as this unit of work's last write: if it wins, committed with what
        was recorded and emitted before; if it loses, nothing is written."""
        won = await self.orders.move(move)
        if won:
            await self.commit()
        else:
            self._move_lost()
        return won

    async def commit(self) -> None:
        conn = self._connection
        paid = self._paid[:]
        self._paid.clear()  # the list the payment records append to
        for charge, provider in paid:
            await order_writes.record_payment(conn, charge, provider=provider)
        if self._events:
            await conn.execute(_INSERT_EVENTS, outbox_rows(self._events, SOURCE))
        await conn.commit()
        self._committed()
