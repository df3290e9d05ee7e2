"""The store interface the service talks to; SQL and MongoDB implement it.

Each method is one atomic unit of work (its own transaction, events included). The two
backends have different transaction models (a MongoDB standalone has none), so the
boundary sits here rather than in the service layer: a stock change and the
`product.low_stock` event it causes are written together by the store that made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from shop.products.domain import Line, NewProduct, Product, ProductQuery, Reservation


class ProductStore(Protocol):
    async def create_product(self, new: NewProduct) -> Product:
        """Inserts a product; AlreadyExists when its sku is taken."""

    async def get_product(self, product_id: str) -> Product | None: ...

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]: ...

    async def update_product(self, product_id: str, changes: dict[str, Any]) -> Product:
        """Applies catalog changes (not stock); ProductNotFound / AlreadyExists (sku)."""

    async def delete_product(self, product_id: str) -> None:
        """ProductNotFound, or Conflict while live reservations hold its units."""

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        """One page of matching products and the total number of matches."""

    async def count_products(self) -> int: ...

    async def change_stock(
        self, product_id: str, *, delta: int | None = None, set_to: int | None = None
    ) -> Product:
        """Adds delta to (or sets) on-hand stock; OutOfStock if it would go negative."""

    async def reserve(
        self, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> Reservation:
        """Holds every line or none; the existing reservation if order_id has one."""

    async def get_reservation(self, order_id: str) -> Reservation | None: ...

    async def commit_reservation(self, order_id: str, *, now: datetime) -> Reservation:
        """Reserved units become sold; idempotent; ReservationClosed if expired/released."""

    async def release_reservation(self, order_id: str) -> Reservation:
        """Reserved (or sold) units return to stock; idempotent."""

    async def expire_due(self, *, now: datetime, limit: int = 100) -> int:
        """Expires live reservations past their expiry, returning units; how many."""

    async def close(self) -> None: ...
