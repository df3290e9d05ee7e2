"""The stock methods of `ProductStore`, the same in every store: each runs the shared flow
of `inventory.py` over the store itself (its `StockBackend` side)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shop.products.domain import Line, Product, Reservation
from shop.products.stores import inventory
from shop.products.stores.protocol import StockBackend


class StockMethods:
    """Mixed into a store class that is a `StockBackend`."""

    async def change_stock(
        self: StockBackend, product_id: str, *, delta: int | None = None, set_to: int | None = None
    ) -> Product:
        return await inventory.restock(self, product_id, delta=delta, set_to=set_to)

    async def reserve(
        self: StockBackend, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> Reservation:
        return await inventory.reserve(self, order_id=order_id, lines=lines, expires_at=expires_at)

    async def reserve_priced(
        self: StockBackend, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> tuple[Reservation, dict[str, Product]]:
        return await inventory.reserve_priced(
            self, order_id=order_id, lines=lines, expires_at=expires_at
        )

    async def commit_reservation(
        self: StockBackend, order_id: str, *, now: datetime
    ) -> Reservation:
        return await inventory.commit(self, order_id, now=now)

    async def release_reservation(self: StockBackend, order_id: str) -> Reservation:
        return await inventory.release(self, order_id)

    async def expire_due(self: StockBackend, *, now: datetime, limit: int = 100) -> int:
        return await inventory.expire_due(self, now=now, limit=limit)
