"""Document <-> domain mapping and the catalog filter for the MongoDB store."""

from __future__ import annotations

import re
from typing import Any

from shop.common.clock import as_utc
from shop.products.domain import (
    Product,
    ProductQuery,
    Reservation,
    ReservationStatus,
    lines_from_json,
    lines_to_json,
    product_from_fields,
)

Doc = dict[str, Any]


def product_from_doc(doc: dict[str, Any]) -> Product:
    return product_from_fields(doc, product_id=doc["_id"])


def reservation_from_doc(doc: dict[str, Any]) -> Reservation:
    return Reservation(
        id=doc["_id"],
        order_id=doc["order_id"],
        status=ReservationStatus(doc["status"]),
        items=lines_from_json(list(doc["items"])),
        expires_at=as_utc(doc["expires_at"]),
        created_at=as_utc(doc["created_at"]),
    )


def reservation_doc(reservation: Reservation) -> Doc:
    return {
        "_id": reservation.id,
        "order_id": reservation.order_id,
        "status": reservation.status.value,
        "items": lines_to_json(reservation.items),
        "expires_at": reservation.expires_at,
        "created_at": reservation.created_at,
        "updated_at": reservation.created_at,
    }


def catalog_filter(query: ProductQuery) -> Doc:
    """A MongoDB filter built from typed values only: no client text becomes an operator."""
    selector: Doc = {}
    if query.search:
        pattern = {"$regex": re.escape(query.search), "$options": "i"}
        selector["$or"] = [{"name": pattern}, {"description": pattern}]
    if query.category is not None:
        selector["category"] = {"$eq": query.category}
    price: Doc = {}
    if query.min_price is not None:
        price["$gte"] = query.min_price
    if query.max_price is not None:
        price["$lte"] = query.max_price
    if price:
        selector["price"] = price
    if query.in_stock is not None:
        selector["stock"] = {"$gt": 0} if query.in_stock else {"$eq": 0}
    for key, values in query.attributes.items():
        # Keys are [A-Za-z0-9_-] only (validated at the edge): no "$" and no "." paths.
        selector[f"attributes.{key}"] = {"$in": values}
    return selector
