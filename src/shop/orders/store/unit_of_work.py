"""The order store's unit of work: the common one (a transaction whose events go to the
outbox with it) with the order repositories on its session."""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop.common.unit_of_work import UnitOfWork
from shop.orders.events import SOURCE
from shop.orders.store.models import outbox
from shop.orders.store.repositories import SqlOrderRepository, SqlPaymentRecords


class SqlUnitOfWork(UnitOfWork):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, wake_relay: asyncio.Event | None
    ) -> None:
        super().__init__(sessions, outbox=outbox, source=SOURCE, wake_relay=wake_relay)
        self._orders: SqlOrderRepository | None = None
        self._payments: SqlPaymentRecords | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        await super().__aenter__()
        self._orders = SqlOrderRepository(self.session)
        self._payments = SqlPaymentRecords(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._orders = self._payments = None
        await super().__aexit__(exc_type, exc, tb)

    @property
    def orders(self) -> SqlOrderRepository:
        if self._orders is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._orders

    @property
    def payments(self) -> SqlPaymentRecords:
        if self._payments is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._payments
