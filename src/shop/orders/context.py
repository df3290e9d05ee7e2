"""What the use cases need, assembled once by the composition root."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop.common.unit_of_work import UnitOfWork
from shop.orders.clients import ProductClient, UserClient
from shop.orders.events import SOURCE
from shop.orders.faults import NO_FAULTS, FaultInjector
from shop.orders.payments import PaymentProvider


@dataclass
class OrderContext:
    sessions: async_sessionmaker[AsyncSession]
    outbox: Table
    users: UserClient
    products: ProductClient
    payments: PaymentProvider
    wake_relay: asyncio.Event | None = None
    reservation_ttl_seconds: int = 600
    idempotency_wait_seconds: float = 15.0
    recovery_grace_seconds: float = 10.0
    faults: FaultInjector = NO_FAULTS
    # Orders this process is driving right now: the recovery loop leaves them alone.
    in_flight: set[str] = field(default_factory=set)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions, outbox=self.outbox, source=SOURCE, wake_relay=self.wake_relay
        )
