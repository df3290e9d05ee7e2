"""The order store's unit of work on PostgreSQL: its writes straight on asyncpg.

Through SQLAlchemy's execution (a greenlet hop per statement, result wrapping, transaction
objects) an order's few statements cost about as much CPU as the rest of its work. Here
`pg_writes`' statements are compiled once and sent on the service's own asyncpg pool. One
write (placing an order; a move with its records and events) goes alone, atomic by itself:
no BEGIN/COMMIT round trips. A compare-and-set that must answer before the commit opens the
transaction. Reads stay on SQLAlchemy; no unit of work both reads and writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.common import pg_driver
from shop.common.clock import utcnow
from shop.common.unit_of_work import outbox_rows
from shop.orders.domain import OrderStatus, StatusMove
from shop.orders.events import SOURCE
from shop.orders.store import order_writes, pg_writes
from shop.orders.store import pg_order_repository as repository
from shop.orders.store.pending_changes import PendingChanges
from shop.orders.store.pg_order_repository import PgOrderRepository, PgWrite

_UPSERT_PAYMENT = order_writes.upsert_payment("postgresql")


class PgUnitOfWork(PendingChanges):
    """`SqlUnitOfWork`'s contract (one transaction; events in the outbox with it; leaving
    without commit writes nothing), its writes on `db`'s asyncpg pool."""

    def __init__(
        self, engine: AsyncEngine, db: pg_driver.PgDatabase, *, wake_relay: asyncio.Event | None
    ) -> None:
        super().__init__(wake_relay=wake_relay)
        self._engine = engine
        self._db = db
        self._queued: list[PgWrite] = []
        self._reads: AsyncConnection | None = None
        self._conn: asyncpg.Connection | None = None  # with a transaction open
        self._transaction: Any = None
        self._orders: PgOrderRepository | None = None

    async def __aenter__(self) -> PgUnitOfWork:
        self._begin_block()
        self._queued = []
        self._orders = PgOrderRepository(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._orders = None
        self._end_block()
        self._queued = []
        reads, self._reads = self._reads, None
        conn, self._conn = self._conn, None
        transaction, self._transaction = self._transaction, None
        try:
            if conn is not None:
                if transaction is not None:
                    # A failed ROLLBACK must not hide why: the pool's reset on release
                    # rolls back again, or drops the connection.
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
                await self._db.release(conn)
        finally:
            if reads is not None:
                try:
                    await reads.rollback()
                finally:
                    await reads.close()

    @property
    def orders(self) -> PgOrderRepository:
        if self._orders is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._orders

    async def commit(self) -> None:
        writes, self._queued = [*self._queued, *self._pending_records()], []
        if self._conn is None and len(writes) == 1:
            await self._db.alone(lambda conn: repository.execute_write(conn, self._db, writes[0]))
        elif writes or self._conn is not None:
            conn = await self._in_transaction()
            for write in writes:
                await repository.execute_write(conn, self._db, write)
            transaction, self._transaction = self._transaction, None
            await transaction.commit()
        self._committed()

    async def commit_move(self, move: StatusMove) -> bool:
        """`SqlUnitOfWork.commit_move`; one statement, sent alone, when nothing else is
        pending but at most one payment record and the events."""
        moving = pg_writes.move(move)
        if self._conn is not None or self._queued or len(self._paid) > 1:
            won = await self.orders.run_move(moving, move.target)
            if won:
                await self.commit()
            else:
                self._move_lost()
            return won
        payment = (
            order_writes.payment_row(self._paid[0][0], provider=self._paid[0][1])
            if self._paid
            else None
        )
        rows = outbox_rows(self._events, SOURCE) if self._events else []
        statement, params = pg_writes.move_with(moving[1], payment, rows)
        compiled = self._db.compile(statement)
        moved = await self._db.alone(lambda conn: pg_driver.run(conn.fetchval, compiled, params))
        won = bool(moved)  # how many orders the compare-and-set moved: 1 or 0
        self._paid.clear()
        if won:
            self._entered.append(move.target)
            self._committed()
        else:
            self._move_lost()
        return won

    def _pending_records(self) -> list[PgWrite]:
        # A confirmation's payment record and events go with its move (`commit_move`).
        paid, self._paid[:] = self._paid[:], []
        writes = [
            PgWrite(_UPSERT_PAYMENT, order_writes.payment_row(charge, provider=provider))
            for charge, provider in paid
        ]
        if self._events:
            rows = outbox_rows(self._events, SOURCE)
            writes.append(PgWrite(pg_writes.EVENTS, pg_writes.events_params(rows, at=utcnow())))
        return writes

    def entered(self, status: OrderStatus) -> None:
        self._entered.append(status)

    def queue(self, write: PgWrite) -> None:
        self._queued.append(write)

    async def send(self, write: PgWrite) -> str:
        """Sends a write whose answer is needed now, in the transaction (opened for it)."""
        return await repository.execute_write(await self._in_transaction(), self._db, write)

    async def reads(self) -> AsyncConnection:
        if self._reads is None:
            self._reads = await self._engine.connect()
        return self._reads

    async def _in_transaction(self) -> asyncpg.Connection:
        if self._conn is None:
            self._conn, self._transaction = await self._db.begin()
        return self._conn
