"""Background task returning the units of reservations that expired."""

from __future__ import annotations

import asyncio

from shop.common.logging import get_logger
from shop.products import service
from shop.products.stores.protocol import ProductStore

log = get_logger("shop.products.sweeper")


async def run_sweeper(*, store: ProductStore, interval_seconds: float) -> None:
    """Runs until cancelled; a failed sweep is logged and retried on the next tick."""
    while True:
        try:
            while await service.expire_reservations(store=store) > 0:
                pass  # a full batch: more may be due right away
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("reservation_sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(interval_seconds)
