"""`Context`: what the routes, the gRPC servicer and the background loops share.

Built once per process by `bootstrap.build`. The store's methods are the atomic units of
work (SQL and MongoDB differ in how they make a change and its event atomic), so the
context hands out the store rather than a unit of work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from shop.common.readiness import Probe
from shop.common.relay_loop import RelayLoop
from shop.products.settings import ProductSettings
from shop.products.stores.protocol import ProductStore


@dataclass(kw_only=True, eq=False)
class Context:
    settings: ProductSettings
    store: ProductStore
    database_probe: Probe  # /health/ready's `database` check
    wake_relay: asyncio.Event  # set by the store when it wrote an event
    outbox_relay: RelayLoop | None = None  # None without a broker (RABBITMQ_URL unset)

    async def aclose(self) -> None:
        """Releases what `build` opened (the store's connections)."""
        await self.store.close()
