"""Events the product service publishes (through its outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shop.common.events import DomainEvent
from shop.products.domain import Changes, Product, crossed_low_stock

SOURCE = "shop/products"


@dataclass(frozen=True)
class LowStock(DomainEvent):
    """Stock fell below the product's threshold (once per crossing, not per sale)."""

    type: ClassVar[str] = "product.low_stock"
    product_id: str
    sku: str
    name: str
    stock: int
    low_stock_threshold: int


def low_stock_event(product: Product, changes: Changes) -> LowStock | None:
    """product.low_stock when the changes that left `product` so took stock below its
    threshold, else None."""
    if not crossed_low_stock(product, changes):
        return None
    return LowStock(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        stock=product.stock,
        low_stock_threshold=product.low_stock_threshold,
    )
