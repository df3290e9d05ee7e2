"""The order repository of `PgUnitOfWork`: its writes are `PgWrite`s the unit of work
queues for its commit or sends at once (a compare-and-set must answer now); its reads run
on SQLAlchemy, on the unit of work's read connection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]  # no stubs published
from sqlalchemy import Executable, TextClause
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.common import pg_driver
from shop.common.clock import utcnow
from shop.common.pg_driver import PgDatabase
from shop.orders.domain import IdempotencyKeyTaken, Order, OrderStatus, StatusMove
from shop.orders.store import order_reads, pg_writes


@dataclass(frozen=True, slots=True)
class PgWrite:
    statement: Executable
    params: dict[str, Any]
    key_of: Order | None = None  # an order's insert: a constraint it breaks is its key's


class WriteQueue(Protocol):
    """What the repository needs of its unit of work."""

    def queue(self, write: PgWrite) -> None:
        """Sent by the commit."""

    async def send(self, write: PgWrite) -> str:
        """Sent now, in the unit of work's transaction; the status tag (`UPDATE 1`)."""

    def entered(self, status: OrderStatus) -> None:
        """Counted in shop_orders_total once committed."""

    async def reads(self) -> AsyncConnection:
        """The connection reads go to."""


async def execute_write(conn: asyncpg.Connection, db: PgDatabase, write: PgWrite) -> str:
    """The write's status tag (`UPDATE 1`)."""
    compiled = db.compile(write.statement)
    try:
        status: str = await pg_driver.run(conn.execute, compiled, write.params)
    except asyncpg.IntegrityConstraintViolationError:
        if write.key_of is None:
            raise
        # The unique (user, key) constraint is the only one a new order can break.
        raise IdempotencyKeyTaken(write.key_of.idempotency_key) from None
    return status


def rowcount(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


class PgOrderRepository:
    """`SqlOrderRepository` on a `PgUnitOfWork`: writes through it, reads on SQLAlchemy."""

    def __init__(self, uow: WriteQueue) -> None:
        self._uow = uow

    async def add(self, order: Order, *, reason: str) -> None:
        """Written by the commit (IdempotencyKeyTaken is raised there)."""
        params = pg_writes.order_params(order, reason=reason)
        self._uow.queue(PgWrite(pg_writes.INSERT_ORDER, params, key_of=order))
        self._uow.entered(order.status)

    async def move(self, move: StatusMove) -> bool:
        return await self.run_move(pg_writes.move(move), move.target)

    async def run_move(
        self, moving: tuple[TextClause, dict[str, Any]], target: OrderStatus
    ) -> bool:
        won = rowcount(await self._uow.send(PgWrite(*moving))) == 1
        if won:
            self._uow.entered(target)
        return won

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        params = {"order_id": order_id, "driver_id": driver_id, "now": now, "until": until}
        return rowcount(await self._uow.send(PgWrite(pg_writes.CLAIM, params))) == 1

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        params = {"order_ids": list(order_ids), "driver_id": driver_id, "until": until}
        self._uow.queue(PgWrite(pg_writes.RENEW_LEASES, params))

    async def mark_settled(self, order_id: str) -> None:
        self._uow.queue(PgWrite(pg_writes.MARK_SETTLED, {"order_id": order_id, "now": utcnow()}))

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
