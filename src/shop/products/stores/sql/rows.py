"""Row <-> domain mapping and the by-id statements of the SQL store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select

from shop.products.domain import (
    Product,
    Reservation,
    product_from_fields,
    reservation_from_fields,
)
from shop.products.stores.sql.models import products, reservations


def product_from_row(row: Mapping[Any, Any]) -> Product:
    return product_from_fields(row, product_id=row["id"])


def reservation_from_row(row: Mapping[Any, Any]) -> Reservation:
    return reservation_from_fields(row, reservation_id=row["id"])


# Built once and reused with fresh parameters (see catalog.py for why).
PRODUCT_BY_ID = select(products).where(products.c.id == bindparam("id"))
# PostgreSQL only (id = ANY($1)): one statement text whatever the number of ids.
PRODUCTS_BY_IDS = select(products).where(
    products.c.id == any_(bindparam("ids", type_=ARRAY(String)))
)
RESERVATION_BY_ORDER = select(reservations).where(
    reservations.c.order_id == bindparam("b_order_id")
)
