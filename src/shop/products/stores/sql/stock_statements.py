"""The SQL stock transaction's statements (`stock.py`), each built once per shape.

Building a statement per call (and SQLAlchemy keying its cache on it) was about a tenth
of a reservation's CPU.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, Update, bindparam, exists, insert, or_, select, update

from shop.products.stores.sql.models import products, reservations

INSERT_RESERVATION = insert(reservations).values(
    {
        column: bindparam(f"b_reservation_{column.name}", type_=column.type)
        for column in reservations.c
    }
)
STOCK_OF = select(products.c.stock).where(products.c.id == bindparam("b_id"))


@functools.cache
def reservation_statement(expiry: str | None) -> Update:
    """`UPDATE reservations` from one status to another (live or due only, if asked)."""
    columns = reservations.c
    conditions: list[Any] = [
        columns.order_id == bindparam("b_order_id"),
        columns.status == bindparam("b_source"),
    ]
    now = bindparam("b_now", type_=columns.expires_at.type)
    if expiry == "live":
        conditions.append(columns.expires_at > now)
    elif expiry == "due":
        conditions.append(columns.expires_at <= now)
    updated_at = bindparam("b_updated_at", type_=columns.updated_at.type)
    return (
        update(reservations)
        .where(*conditions)
        .values(status=bindparam("b_target"), updated_at=updated_at)
        .returning(reservations)
    )


@functools.cache
def units_statement(
    counters: tuple[str, ...], floored: tuple[str, ...], pinned: bool, quiet: bool
) -> Update:
    """`UPDATE products` adding bound deltas, guarded by bound floors; with `quiet`, also
    by stock not crossing below the low-stock threshold (a change that calls for no event:
    `crossed_below`'s negation)."""
    columns = products.c
    conditions: list[Any] = [columns.id == bindparam("b_id")]
    conditions += [columns[c] >= bindparam(f"b_least_{c}", type_=columns[c].type) for c in floored]
    if pinned:
        conditions.append(columns.stock == bindparam("b_stock_is", type_=columns.stock.type))
    deltas = {c: columns[c] + bindparam(f"b_{c}", type_=columns[c].type) for c in counters}
    if quiet:
        threshold = columns.low_stock_threshold
        conditions.append(or_(deltas["stock"] >= threshold, columns.stock < threshold))
    now = bindparam("b_now", type_=columns.updated_at.type)
    return update(products).where(*conditions).values(**deltas, updated_at=now).returning(products)


@functools.cache
def with_new_reservation(units: Update) -> Update:
    """The units UPDATE with the held-back reservation INSERT in a CTE (PostgreSQL runs
    a CTE's write whether or not the statement reads it)."""
    return units.add_cte(INSERT_RESERVATION.cte("new_reservation"))


@functools.cache
def with_reservation_if_moved(units: Update) -> Select[Any]:
    """`with_new_reservation`, its INSERT only where the UPDATE moved the units: a
    statement sent without a transaction that moved none must leave nothing behind."""
    moved = units.cte("units")
    row = select(
        *(bindparam(f"b_reservation_{c.name}", type_=c.type) for c in reservations.c)
    ).where(exists(select(moved.c.id)))
    new = insert(reservations).from_select([c.name for c in reservations.c], row)
    return select(moved).add_cte(new.cte("new_reservation"))
