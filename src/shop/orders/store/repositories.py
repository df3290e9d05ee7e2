"""The SQL repositories: the order store's reads and writes bound to one unit of work's
connection (they never commit: the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.orders.domain import IdempotencyKeyTaken, Order, OrderStatus, StatusMove
from shop.orders.payments.charges import Charge
from shop.orders.store import order_reads, order_writes


class SqlOrderRepository:
    """`entered` collects the status each stored change moves an order into, for the unit
    of work to count once it commits."""

    def __init__(self, conn: AsyncConnection, *, entered: list[OrderStatus]) -> None:
        self._conn = conn
        self._entered = entered

    async def add(self, order: Order, *, reason: str) -> None:
        try:
            await order_writes.insert_order(self._conn, order, reason=reason)
        except IntegrityError:
            # The unique (user, key) constraint is the only one a new order can break.
            raise IdempotencyKeyTaken(order.idempotency_key) from None
        self._entered.append(order.status)

    async def get(self, order_id: str) -> Order | None:
        return await order_reads.get_order(self._conn, order_id)

    async def find_by_key(self, user_id: str, key: str) -> Order | None:
        return await order_reads.find_by_key(self._conn, user_id, key)

    async def page(
        self, *, user_id: str | None, status: OrderStatus | None, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        return await order_reads.list_orders(
            self._conn, user_id=user_id, status=status, offset=offset, limit=limit
        )

    async def move(self, move: StatusMove) -> bool:
        won = await order_writes.compare_and_set_status(self._conn, move)
        if won:
            self._entered.append(move.target)
        return won

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        return await order_writes.claim(
            self._conn, order_id, driver_id=driver_id, now=now, until=until
        )

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        await order_writes.renew_leases(self._conn, order_ids, driver_id=driver_id, until=until)

    async def mark_settled(self, order_id: str) -> None:
        await order_writes.mark_settled(self._conn, order_id)

    async def ids_in_status_before(
        self, status: OrderStatus, *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.ids_in_status_before(
            self._conn, status, before=before, limit=limit
        )

    async def unsettled_ids_before(
        self, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.unsettled_ids_before(
            self._conn, statuses, before=before, limit=limit
        )


class SqlPaymentRecords:
    """Records wait in `pending` for the unit of work's commit, which writes them (on
    PostgreSQL in one statement with the events); nothing reads them back before."""

    def __init__(self, pending: list[tuple[Charge, str]]) -> None:
        self._pending = pending

    async def record(self, charge: Charge, *, provider: str) -> None:
        self._pending.append((charge, provider))
