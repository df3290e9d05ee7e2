"""Use cases of the product service; the store makes each one atomic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shop.common.clock import utcnow
from shop.common.errors import ValidationFailed
from shop.products.domain import (
    Line,
    NewProduct,
    OutOfStock,
    Product,
    ProductNotFound,
    ProductQuery,
    Reservation,
)
from shop.products.metrics import COMMITTED, EXPIRED, INSUFFICIENT, RELEASED, RESERVED
from shop.products.stores.protocol import ProductStore

MAX_LINES = 100


@dataclass(frozen=True, slots=True)
class Availability:
    product_id: str
    requested: int
    product: Product | None

    @property
    def available(self) -> int:
        return self.product.stock if self.product else 0

    @property
    def in_stock(self) -> bool:
        return self.product is not None and self.available >= self.requested


async def create_product(*, store: ProductStore, new: NewProduct) -> Product:
    return await store.create_product(new)


async def get_product(*, store: ProductStore, product_id: str) -> Product:
    product = await store.get_product(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


async def update_product(
    *, store: ProductStore, product_id: str, changes: dict[str, Any]
) -> Product:
    if not changes:
        return await get_product(store=store, product_id=product_id)
    return await store.update_product(product_id, changes)


async def delete_product(*, store: ProductStore, product_id: str) -> None:
    await store.delete_product(product_id)


async def list_products(*, store: ProductStore, query: ProductQuery) -> tuple[list[Product], int]:
    return await store.list_products(query)


async def change_stock(
    *, store: ProductStore, product_id: str, delta: int | None, stock: int | None
) -> Product:
    """Adjusts on-hand stock by delta, or sets it; a negative result is refused (409)."""
    if (delta is None) == (stock is None):
        raise ValidationFailed("Give exactly one of delta or stock")
    if stock is not None and stock < 0:
        raise OutOfStock(product_id)
    return await store.change_stock(product_id, delta=delta, set_to=stock)


def merge_lines(raw: Iterable[tuple[str, int]]) -> list[Line]:
    """Validated lines, one per product (repeated products are summed)."""
    totals: dict[str, int] = {}
    for product_id, quantity in raw:
        if not product_id:
            raise ValidationFailed("Every item needs a product id")
        if quantity <= 0:
            raise ValidationFailed(f"Quantity for product {product_id} must be positive")
        totals[product_id] = totals.get(product_id, 0) + quantity
    if not totals:
        raise ValidationFailed("At least one item is required")
    if len(totals) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} distinct products per call")
    return [Line(product_id=p, quantity=q) for p, q in totals.items()]


async def check_inventory(*, store: ProductStore, lines: list[Line]) -> list[Availability]:
    """Availability and current prices; holds nothing."""
    found = await store.get_products([line.product_id for line in lines])
    return [
        Availability(
            product_id=line.product_id, requested=line.quantity, product=found.get(line.product_id)
        )
        for line in lines
    ]


async def reserve_inventory(
    *, store: ProductStore, order_id: str, lines: list[Line], ttl_seconds: int
) -> tuple[Reservation, dict[str, Product]]:
    """Holds all lines or none for order_id until the expiry; repeated calls return it.
    With it, each held product as it stands, for its price and name."""
    if not order_id:
        raise ValidationFailed("order_id is required")
    if ttl_seconds <= 0:
        raise ValidationFailed("ttl_seconds must be positive")
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    try:
        held = await store.reserve_priced(order_id=order_id, lines=lines, expires_at=expires_at)
    except OutOfStock:
        INSUFFICIENT.inc()
        raise
    RESERVED.inc()
    return held


async def commit_reservation(*, store: ProductStore, order_id: str) -> Reservation:
    if not order_id:
        raise ValidationFailed("order_id is required")
    reservation = await store.commit_reservation(order_id, now=utcnow())
    COMMITTED.inc()
    return reservation


async def release_reservation(*, store: ProductStore, order_id: str) -> Reservation:
    if not order_id:
        raise ValidationFailed("order_id is required")
    reservation = await store.release_reservation(order_id)
    RELEASED.inc()
    return reservation


async def expire_reservations(*, store: ProductStore, limit: int = 100) -> int:
    expired = await store.expire_due(now=utcnow(), limit=limit)
    EXPIRED.inc(expired)
    return expired
