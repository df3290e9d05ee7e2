"""Events the product service publishes (through its outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shop.common.events import DomainEvent

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
