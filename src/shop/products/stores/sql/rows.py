"""Row <-> domain mapping and the by-id statements of the SQL store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ARRAY, Select, String, any_, bindparam, select
from sqlalchemy.engine import RowMapping

from shop.common.clock import as_utc
from shop.products.domain import (
    Product,
    Reservation,
    ReservationStatus,
    lines_from_json,
    product_from_fields,
)
from shop.products.stores.sql.models import products, reservations


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


# Built once and reused with fresh parameters (see catalog.py for why).
PRODUCT_BY_ID = select(products).where(products.c.id == bindparam("id"))
# PostgreSQL only (id = ANY($1)): one statement text whatever the number of ids.
PRODUCTS_BY_IDS = select(products).where(
    products.c.id == any_(bindparam("ids", type_=ARRAY(String)))
)


def reservation_by_order(order_id: str) -> Select[Any]:
    return select(reservations).where(reservations.c.order_id == order_id)
