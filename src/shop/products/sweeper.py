"""Background task returning the units of reservations that expired."""

from __future__ import annotations

from shop.common.background import every
from shop.products import service
from shop.products.stores.protocol import ProductStore


async def run_sweeper(*, store: ProductStore, interval_seconds: float) -> None:
    """Runs until cancelled; a failed sweep is logged and retried on the next tick."""

    async def sweep() -> None:
        while await service.expire_reservations(store=store) > 0:
            pass  # a full batch: more may be due right away

    await every(interval_seconds, sweep, failed="reservation_sweep_failed")
