"""The catalog and inventory as plain values, shared by both store implementations."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from shop.common.errors import Conflict, NotFound

SortField = Literal["price", "name", "createdAt"]


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; every datetime we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ReservationStatus(enum.StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


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


@dataclass(frozen=True, slots=True)
class Line:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    order_id: str
    status: ReservationStatus
    items: tuple[Line, ...]
    expires_at: datetime
    created_at: datetime


def crossed_below(*, before: int, after: int, threshold: int) -> bool:
    """True when a stock change moves stock from at/above the threshold to below it."""
    return before >= threshold > after


def lines_to_json(lines: tuple[Line, ...]) -> list[dict[str, Any]]:
    return [{"productId": line.product_id, "quantity": line.quantity} for line in lines]


def lines_from_json(raw: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(Line(product_id=str(i["productId"]), quantity=int(i["quantity"])) for i in raw)


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")


class ReservationNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No reservation for order {order_id}")


class OutOfStock(Conflict):
    """A stock change would take stock below zero (REST 409, gRPC FAILED_PRECONDITION)."""

    def __init__(self, product_id: str, *, requested: int | None = None) -> None:
        detail = f" ({requested} requested)" if requested is not None else ""
        super().__init__(f"Insufficient stock for product {product_id}{detail}")


class ReservationClosed(Conflict):
    """The reservation can no longer move that way (e.g. committing an expired one)."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"Reservation for order {order_id} is {status}")
