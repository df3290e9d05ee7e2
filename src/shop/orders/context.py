"""The order service's context: settings and ports, assembled once by `bootstrap.build`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.ids import new_id
from shop.common.pg_driver import PgDatabase
from shop.common.relay_loop import RelayLoop
from shop.orders.faults import NO_FAULTS, FaultInjector
from shop.orders.payments.charges import PaymentProvider
from shop.orders.ports import OrderUnitOfWork, Products, Users
from shop.orders.settings import OrderSettings


@dataclass(kw_only=True, eq=False)
class Context:
    """What the use cases, routes and servicer reach; tests build one with fakes."""

    settings: OrderSettings
    unit_of_work: Callable[[], OrderUnitOfWork]
    users: Users
    products: Products
    payments: PaymentProvider
    faults: FaultInjector = NO_FAULTS
    # The database and the peer channels (by peer name), for readiness, the outbox relay
    # and aclose; None and empty when a unit test runs the use cases on fakes.
    engine: AsyncEngine | None = None
    pg_writes: PgDatabase | None = None  # the writes' asyncpg pool, on PostgreSQL
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    wake_relay: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_relay: RelayLoop | None = None  # None without a broker (RABBITMQ_URL unset)
    # Orders this process is driving right now: the recovery loop leaves them alone, and
    # their leases are renewed under this process's driver id (one per process start).
    in_flight: set[str] = field(default_factory=set)
    driver_id: str = field(default_factory=new_id)

    def uow(self) -> OrderUnitOfWork:
        """A new unit of work (enter it with `async with`)."""
        return self.unit_of_work()

    async def aclose(self) -> None:
        """Closes the peer channels and the database pools that `build` opened."""
        for channel in self.channels.values():
            await channel.close()
        if self.pg_writes is not None:
            await self.pg_writes.close()
        if self.engine is not None:
            await self.engine.dispose()
