"""Row <-> domain mapping and the catalog query for the SQL store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping

from shop.products.domain import (
    Product,
    ProductQuery,
    Reservation,
    ReservationStatus,
    as_utc,
    lines_from_json,
)
from shop.products.models import products, reservations

_SORT_COLUMNS = {
    "price": products.c.price,
    "name": products.c.name,
    "createdAt": products.c.created_at,
}


def product_from_row(row: RowMapping) -> Product:
    return Product(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        price=int(row["price"]),
        category=row["category"],
        sku=row["sku"],
        stock=int(row["stock"]),
        reserved=int(row["reserved"]),
        sold=int(row["sold"]),
        stocked=int(row["stocked"]),
        low_stock_threshold=int(row["low_stock_threshold"]),
        attributes=dict(row["attributes"] or {}),
        created_at=as_utc(row["created_at"]),
        updated_at=as_utc(row["updated_at"]),
    )


def reservation_from_row(row: RowMapping) -> Reservation:
    return Reservation(
        id=row["id"],
        order_id=row["order_id"],
        status=ReservationStatus(row["status"]),
        items=lines_from_json(list(row["items"])),
        expires_at=as_utc(row["expires_at"]),
        created_at=as_utc(row["created_at"]),
    )


def escape_like(term: str) -> str:
    """The term as a literal LIKE pattern fragment ('%' and '_' match themselves)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def catalog_filters(query: ProductQuery, *, dialect: str) -> list[ColumnElement[bool]]:
    """WHERE clauses for a catalog query; every value is a bound parameter."""
    conditions: list[ColumnElement[bool]] = []
    if query.search:
        pattern = f"%{escape_like(query.search.lower())}%"
        conditions.append(
            or_(
                func.lower(products.c.name).like(pattern, escape="\\"),
                func.lower(products.c.description).like(pattern, escape="\\"),
            )
        )
    if query.category is not None:
        conditions.append(products.c.category == query.category)
    if query.min_price is not None:
        conditions.append(products.c.price >= query.min_price)
    if query.max_price is not None:
        conditions.append(products.c.price <= query.max_price)
    if query.in_stock is not None:
        conditions.append(products.c.stock > 0 if query.in_stock else products.c.stock == 0)
    for key, values in query.attributes.items():
        conditions.append(or_(*(_attribute_equals(key, v, dialect=dialect) for v in values)))
    return conditions


def _attribute_equals(key: str, value: Any, *, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # JSONB containment: exact match of one key, served by the GIN index.
        return type_coerce(products.c.attributes, JSONB).contains({key: value})
    # Keys are validated to [A-Za-z0-9_-] upstream, so the JSON path cannot be escaped.
    extracted = func.json_extract(products.c.attributes, f'$."{key}"')
    matches: ColumnElement[bool] = extracted == value
    return matches


def catalog_page(query: ProductQuery, *, dialect: str) -> tuple[Select[Any], Select[Any]]:
    """(page query, count query) for a catalog query."""
    conditions = catalog_filters(query, dialect=dialect)
    column = _SORT_COLUMNS[query.sort_by]
    order = column.desc() if query.descending else column.asc()
    tiebreak = products.c.id.desc() if query.descending else products.c.id.asc()
    page = (
        select(products)
        .where(*conditions)
        .order_by(order, tiebreak)
        .limit(query.limit)
        .offset((query.page - 1) * query.limit)
    )
    count = select(func.count()).select_from(products).where(*conditions)
    return page, count


def reservation_by_order(order_id: str) -> Select[Any]:
    return select(reservations).where(reservations.c.order_id == order_id)
