"""The SQL repositories: the order store's reads and writes bound to one unit of work's
session (they never commit: the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.orders.domain import IdempotencyKeyTaken, Order, OrderStatus
from shop.orders.payments.charges import Charge
from shop.orders.store import order_reads, order_writes


class SqlOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, order: Order, *, reason: str) -> None:
        try:
            await order_writes.insert_order(self._session, order, reason=reason)
        except IntegrityError:
            # The unique (user, key) constraint is the only one a new order can break.
            raise IdempotencyKeyTaken(order.idempotency_key) from None

    async def get(self, order_id: str) -> Order | None:
        return await order_reads.get_order(self._session, order_id)

    async def find_by_key(self, user_id: str, key: str) -> Order | None:
        return await order_reads.find_by_key(self._session, user_id, key)

    async def page(
        self, *, user_id: str | None, status: OrderStatus | None, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        return await order_reads.list_orders(
            self._session, user_id=user_id, status=status, offset=offset, limit=limit
        )

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
        return await order_writes.compare_and_set_status(
            self._session,
            order_id,
            expected=expected,
            target=target,
            reason=reason,
            failure_code=failure_code,
            now=now,
        )

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        return await order_writes.claim(
            self._session, order_id, driver_id=driver_id, now=now, until=until
        )

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        await order_writes.renew_leases(self._session, order_ids, driver_id=driver_id, until=until)

    async def mark_settled(self, order_id: str) -> None:
        await order_writes.mark_settled(self._session, order_id)

    async def ids_in_status_before(
        self, status: OrderStatus, *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.ids_in_status_before(
            self._session, status, before=before, limit=limit
        )

    async def unsettled_ids_before(
        self, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
    ) -> list[str]:
        return await order_reads.unsettled_ids_before(
            self._session, statuses, before=before, limit=limit
        )


class SqlPaymentRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, charge: Charge, *, provider: str) -> None:
        await order_writes.record_payment(self._session, charge, provider=provider)
