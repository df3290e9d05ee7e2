"""Document <-> domain mapping and the catalog filter for the MongoDB store."""

from __future__ import annotations

import re
from typing import Any

from shop.products.domain import (
    Product,
    ProductQuery,
    Reservation,
    product_from_fields,
    reservation_fields,
    reservation_from_fields,
)

Doc = dict[str, Any]


def product_from_doc(doc: dict[str, Any]) -> Product:
    return product_from_fields(doc, product_id=doc["_id"])


def reservation_from_doc(doc: Doc) -> Reservation:
    return reservation_from_fields(doc, reservation_id=doc["_id"])


def reservation_doc(reservation: Reservation) -> Doc:
    return {"_id": reservation.id, **reservation_fields(reservation)}


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
