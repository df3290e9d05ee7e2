"""Row <-> domain mapping and the catalog query for the SQL store."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping

from shop.products.domain import (
    Product,
    ProductQuery,
    Reservation,
    ReservationStatus,
    as_utc,
    lines_from_json,
    product_from_fields,
)
from shop.products.models import products, reservations

_SORT_COLUMNS = {
    "price": products.c.price,
    "name": products.c.name,
    "createdAt": products.c.created_at,
}


def product_from_row(row: Mapping[Any, Any]) -> Product:
    return product_from_fields(row, product_id=row["id"])


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


# Read statements are built once per shape and reused with fresh parameters: building a
# Select (and its cache key) per request cost more than running the query on PostgreSQL.
PRODUCT_BY_ID = select(products).where(products.c.id == bindparam("id"))
CATALOG_TOTAL = "catalog_total"
_CATALOG_SHAPES = 256  # filter combinations kept; attribute names make them unbounded


def catalog_params(query: ProductQuery, *, dialect: str) -> dict[str, Any]:
    """The values bound into `catalog_statement(catalog_shape(query), ...)`."""
    params: dict[str, Any] = {"limit": query.limit, "offset": (query.page - 1) * query.limit}
    if query.search:
        params["search"] = f"%{escape_like(query.search.lower())}%"
    if query.category is not None:
        params["category"] = query.category
    if query.min_price is not None:
        params["min_price"] = query.min_price
    if query.max_price is not None:
        params["max_price"] = query.max_price
    for i, (key, values) in enumerate(query.attributes.items()):
        for j, value in enumerate(values):
            # PostgreSQL matches by JSONB containment of the one-key document.
            params[f"attr_{i}_{j}"] = {key: value} if dialect == "postgresql" else value
    return params


def catalog_shape(query: ProductQuery) -> tuple[Any, ...]:
    """What decides the SQL text of a catalog query (not the values bound into it)."""
    return (
        bool(query.search),
        query.category is not None,
        query.min_price is not None,
        query.max_price is not None,
        query.in_stock,
        tuple((key, len(values)) for key, values in query.attributes.items()),
        query.sort_by,
        query.descending,
    )


def _catalog_filters(shape: tuple[Any, ...], *, dialect: str) -> list[ColumnElement[bool]]:
    """WHERE clauses for a catalog query shape; every value is a bound parameter."""
    search, category, min_price, max_price, in_stock, attributes = shape[:6]
    conditions: list[ColumnElement[bool]] = []
    if search:
        pattern: BindParameter[str] = bindparam("search")
        conditions.append(
            or_(
                func.lower(products.c.name).like(pattern, escape="\\"),
                func.lower(products.c.description).like(pattern, escape="\\"),
            )
        )
    if category:
        conditions.append(products.c.category == bindparam("category"))
    if min_price:
        conditions.append(products.c.price >= bindparam("min_price"))
    if max_price:
        conditions.append(products.c.price <= bindparam("max_price"))
    if in_stock is not None:
        conditions.append(products.c.stock > 0 if in_stock else products.c.stock == 0)
    for i, (key, count) in enumerate(attributes):
        names = [f"attr_{i}_{j}" for j in range(count)]
        conditions.append(or_(*(_attribute_equals(key, name, dialect=dialect) for name in names)))
    return conditions


def _attribute_equals(key: str, name: str, *, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # JSONB containment: exact match of one key, served by the GIN index.
        return type_coerce(products.c.attributes, JSONB).contains(bindparam(name, type_=JSONB))
    # Keys are validated to [A-Za-z0-9_-] upstream, so the JSON path cannot be escaped.
    extracted = func.json_extract(products.c.attributes, f'$."{key}"')
    matches: ColumnElement[bool] = extracted == bindparam(name)
    return matches


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_page(shape: tuple[Any, ...], *, dialect: str) -> Select[Any]:
    """One page of the catalog, each row carrying the total number of matches."""
    sort_by, descending = shape[6:]
    column = _SORT_COLUMNS[sort_by]
    order = column.desc() if descending else column.asc()
    tiebreak = products.c.id.desc() if descending else products.c.id.asc()
    # count(*) OVER () is computed before LIMIT: the total comes with the page, from the
    # same snapshot and in the same round trip, instead of from a second COUNT query.
    total = func.count().over().label(CATALOG_TOTAL)
    return (
        select(products, total)
        .where(*_catalog_filters(shape, dialect=dialect))
        .order_by(order, tiebreak)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_count(shape: tuple[Any, ...], *, dialect: str) -> Select[Any]:
    """The number of matches alone, for a page past the last one (it has no rows)."""
    conditions = _catalog_filters(shape, dialect=dialect)
    total = func.count().label(CATALOG_TOTAL)
    return select(total).select_from(products).where(*conditions)


def reservation_by_order(order_id: str) -> Select[Any]:
    return select(reservations).where(reservations.c.order_id == order_id)
