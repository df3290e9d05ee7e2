"""The catalog as plain values: products, new products and catalog queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from shop.common.clock import as_utc
from shop.common.errors import NotFound

SortField = Literal["price", "name", "createdAt"]


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    description: str
    price: int
    category: str
    sku: str
    stock: int  # on hand and available to reserve
    reserved: int  # held by live reservations
    sold: int  # committed reservations
    stocked: int  # ever stocked: stock + reserved + sold always equals it
    low_stock_threshold: int
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def product_from_fields(fields: Mapping[str, Any], *, product_id: str) -> Product:
    """A Product from its stored fields (a SQL row or a Mongo document alike)."""
    return Product(
        id=product_id,
        name=fields["name"],
        description=fields["description"],
        price=int(fields["price"]),
        category=fields["category"],
        sku=fields["sku"],
        stock=int(fields["stock"]),
        reserved=int(fields["reserved"]),
        sold=int(fields["sold"]),
        stocked=int(fields["stocked"]),
        low_stock_threshold=int(fields["low_stock_threshold"]),
        attributes=dict(fields.get("attributes") or {}),
        created_at=as_utc(fields["created_at"]),
        updated_at=as_utc(fields["updated_at"]),
    )


@dataclass(frozen=True, slots=True)
class NewProduct:
    name: str
    description: str
    price: int
    category: str
    sku: str
    stock: int
    low_stock_threshold: int
    attributes: dict[str, Any]

    def fields(self, now: datetime) -> dict[str, Any]:
        """The stored fields of the new product (every store adds its own id key)."""
        return {
            "name": self.name,
            "description": self.description,
            "price": self.price,
            "category": self.category,
            "sku": self.sku,
            "stock": self.stock,
            "reserved": 0,
            "sold": 0,
            "stocked": self.stock,
            "low_stock_threshold": self.low_stock_threshold,
            "attributes": self.attributes,
            "created_at": now,
            "updated_at": now,
        }


@dataclass(frozen=True, slots=True)
class ProductQuery:
    search: str | None = None
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    # attribute name -> accepted values (the raw string and, if it parses, its JSON scalar)
    attributes: dict[str, list[Any]] = field(default_factory=dict)
    page: int = 1
    limit: int = 20
    sort_by: SortField = "createdAt"
    descending: bool = True


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")
