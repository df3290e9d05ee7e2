"""The order store's unit of work on PostgreSQL: its writes straight on asyncpg.

Through SQLAlchemy's execution (the greenlet hop per statement, the result wrapping, the
transaction objects) an order's few statements cost about as much CPU as the rest of the
service's work on it. Here `pg_writes`' statements are compiled once and sent on a
connection of the service's own asyncpg pool, and a unit of work whose writes are one
statement (placing an order; a status move with its records and events) sends it alone:
a single statement is atomic by itself, so no BEGIN and COMMIT round trips. Writes that
need no answer wait for the commit; a compare-and-set that must answer before the commit
opens the transaction. Reads stay on SQLAlchemy (on a connection of the engine, opened by
the first read): no unit of work both reads and writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
from sqlalchemy import Executable, TextClause
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.common.clock import utcnow
from shop.common.events import DomainEvent
from shop.common.pg_driver import PgDatabase
from shop.common.unit_of_work import outbox_rows
from shop.orders.domain import IdempotencyKeyTaken, Order, OrderStatus
from shop.orders.events import SOURCE
from shop.orders.metrics import count_entered
from shop.orders.payments.charges import Charge
from shop.orders.store import order_reads, order_writes, pg_writes
from shop.orders.store.repositories import SqlPaymentRecords

_UPSERT_PAYMENT = order_writes.upsert_payment("postgresql")


@dataclass(frozen=True, slots=True)
class _Write:
    statement: Executable
    params: dict[str, Any]
    key_of: Order | None = None  # an order's insert: a constraint it breaks is its key's


class PgUnitOfWork:
    """`SqlUnitOfWork`'s contract (one transaction; events in the outbox with it; leaving
    without commit writes nothing), its writes on `db`'s asyncpg pool."""

    def __init__(
        self, engine: AsyncEngine, db: PgDatabase, *, wake_relay: asyncio.Event | None
    ) -> None:
        self._engine = engine
        self._db = db
        self._wake_relay = wake_relay
        self._events: list[DomainEvent] = []
        self._entered: list[OrderStatus] = []
        self._paid: list[tuple[Charge, str]] = []
        self._queued: list[_Write] = []
        self._reads: AsyncConnection | None = None
        self._conn: asyncpg.Connection | None = None  # with a transaction open
        self._transaction: Any = None
        self._orders: PgOrderRepository | None = None
        self._payments: SqlPaymentRecords | None = None

    async def __aenter__(self) -> PgUnitOfWork:
        self._events, self._entered, self._paid, self._queued = [], [], [], []
        self._orders = PgOrderRepository(self)
        self._payments = SqlPaymentRecords(self._paid)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._orders = self._payments = None
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

    @property
    def payments(self) -> SqlPaymentRecords:
        if self._payments is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._payments

    def emit(self, event: DomainEvent) -> None:
        """Queues an event to be written to the outbox by the next commit."""
        self._events.append(event)

    async def commit(self) -> None:
        writes, self._queued = [*self._queued, *self._pending_records()], []
        if self._conn is None and len(writes) == 1:
            await self._db.alone(lambda conn: _execute(conn, self._db, writes[0]))
        elif writes or self._conn is not None:
            conn = await self._in_transaction()
            for write in writes:
                await _execute(conn, self._db, write)
            transaction, self._transaction = self._transaction, None
            await transaction.commit()
        self._committed()

    async def commit_move(
        self,
        order_id: str,
        *,
        expected: OrderStatus,
        target: OrderStatus,
        reason: str,
        failure_code: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """`SqlUnitOfWork.commit_move`; one statement, sent alone, when nothing else is
        pending but at most one payment record and the events."""
        moving = pg_writes.move(
            order_id,
            expected=expected,
            target=target,
            reason=reason,
            failure_code=failure_code,
            now=now or utcnow(),
        )
        if self._conn is not None or self._queued or len(self._paid) > 1:
            won = await self.orders.run_move(moving, target)
            if won:
                await self.commit()
            else:
                self._events, self._paid[:] = [], []
            return won
        payment = (
            order_writes.payment_row(self._paid[0][0], provider=self._paid[0][1])
            if self._paid
            else None
        )
        rows = outbox_rows(self._events, SOURCE) if self._events else []
        statement, params = pg_writes.move_with(moving[1], payment, rows)
        compiled = self._db.compile(statement)
        args = compiled.args(params)
        won = bool(await self._db.alone(lambda conn: conn.fetchval(compiled.sql, *args)))
        self._paid.clear()
        if won:
            self._entered.append(target)
            self._committed()
        else:
            self._events = []
        return won

    def _pending_records(self) -> list[_Write]:
        # A confirmation's payment record and events go with its move (`commit_move`).
        paid, self._paid[:] = self._paid[:], []
        writes = [
            _Write(_UPSERT_PAYMENT, order_writes.payment_row(charge, provider=provider))
            for charge, provider in paid
        ]
        if self._events:
            rows = outbox_rows(self._events, SOURCE)
            writes.append(_Write(pg_writes.EVENTS, pg_writes.events_params(rows, at=utcnow())))
        return writes

    def _committed(self) -> None:
        events, self._events = self._events, []
        count_entered(self._entered)
        self._entered.clear()
        if events and self._wake_relay is not None:
            self._wake_relay.set()

    def entered(self, status: OrderStatus) -> None:
        """Counted in shop_orders_total once committed."""
        self._entered.append(status)

    def queue(self, write: _Write) -> None:
        self._queued.append(write)

    async def send(self, write: _Write) -> str:
        """Sends a write whose answer is needed now, in the transaction (opened for it)."""
        return await _execute(await self._in_transaction(), self._db, write)

    async def reads(self) -> AsyncConnection:
        if self._reads is None:
            self._reads = await self._engine.connect()
        return self._reads

    async def _in_transaction(self) -> asyncpg.Connection:
        if self._conn is None:
            self._conn, self._transaction = await self._db.begin()
        return self._conn


async def _execute(conn: asyncpg.Connection, db: PgDatabase, write: _Write) -> str:
    """The write's status tag (`UPDATE 1`)."""
    compiled = db.compile(write.statement)
    try:
        status: str = await conn.execute(compiled.sql, *compiled.args(write.params))
    except asyncpg.IntegrityConstraintViolationError:
        if write.key_of is None:
            raise
        # The unique (user, key) constraint is the only one a new order can break.
        raise IdempotencyKeyTaken(write.key_of.idempotency_key) from None
    return status


def _rowcount(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


class PgOrderRepository:
    """`SqlOrderRepository` on a `PgUnitOfWork`: writes through it, reads on SQLAlchemy."""

    def __init__(self, uow: PgUnitOfWork) -> None:
        self._uow = uow

    async def add(self, order: Order, *, reason: str) -> None:
        """Written by the commit (IdempotencyKeyTaken is raised there)."""
        params = pg_writes.order_params(order, reason=reason)
        self._uow.queue(_Write(pg_writes.INSERT_ORDER, params, key_of=order))
        self._uow.entered(order.status)

    async def move(
        self,
        order_id: str,
        *,
        expected: OrderStatus,
        target: OrderStatus,
        reason: str,
        failure_code: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        moving = pg_writes.move(
            order_id,
            expected=expected,
            target=target,
            reason=reason,
            failure_code=failure_code,
            now=now or utcnow(),
        )
        return await self.run_move(moving, target)

    async def run_move(
        self, moving: tuple[TextClause, dict[str, Any]], target: OrderStatus
    ) -> bool:
        won = _rowcount(await self._uow.send(_Write(*moving))) == 1
        if won:
            self._uow.entered(target)
        return won

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        params = {"order_id": order_id, "driver_id": driver_id, "now": now, "until": until}
        return _rowcount(await self._uow.send(_Write(pg_writes.CLAIM, params))) == 1

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        params = {"order_ids": list(order_ids), "driver_id": driver_id, "until": until}
        self._uow.queue(_Write(pg_writes.RENEW_LEASES, params))

    async def mark_settled(self, order_id: str) -> None:
        self._uow.queue(_Write(pg_writes.MARK_SETTLED, {"order_id": order_id, "now": utcnow()}))

    async def get(self, order_id: str) -> Order | None:
        return await order_reads.get_order(await self._uow.reads(), order_id)

    async def find_by_key(self, user_id: str, key: str) -> Order | None:
        return await order_reads.find_by_key(await self._uow.reads(), user_id, key)

    async def page(
        self, *, user_id: str | None, status: OrderStatus | None, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        return await order_reads.list_orders(
            await self._uow.reads(), user_id=user_id, status=status, offset=offset, limit=limit
        )

    async def ids_in_status_before(
        self, status: OrderStatus, *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.ids_in_status_before(
            await self._uow.reads(), status, before=before, limit=limit
        )

    async def unsettled_ids_before(
        self, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.unsettled_ids_before(
            await self._uow.reads(), statuses, before=before, limit=limit
        )
