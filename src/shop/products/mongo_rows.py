"""Document <-> domain mapping for the MongoDB store."""

from __future__ import annotations

from typing import Any

from shop.products.domain import Product, Reservation, ReservationStatus, as_utc, lines_from_json


def product_from_doc(doc: dict[str, Any]) -> Product:
    return Product(
        id=doc["_id"],
        name=doc["name"],
        description=doc["description"],
        price=int(doc["price"]),
        category=doc["category"],
        sku=doc["sku"],
        stock=int(doc["stock"]),
        reserved=int(doc["reserved"]),
        sold=int(doc["sold"]),
        stocked=int(doc["stocked"]),
        low_stock_threshold=int(doc["low_stock_threshold"]),
        attributes=dict(doc.get("attributes") or {}),
        created_at=as_utc(doc["created_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


def reservation_from_doc(doc: dict[str, Any]) -> Reservation:
    return Reservation(
        id=doc["_id"],
        order_id=doc["order_id"],
        status=ReservationStatus(doc["status"]),
        items=lines_from_json(list(doc["items"])),
        expires_at=as_utc(doc["expires_at"]),
        created_at=as_utc(doc["created_at"]),
    )
