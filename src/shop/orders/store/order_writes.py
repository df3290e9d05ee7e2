"""SQL writes of the order store: insert, status compare-and-set, payments (never commits).

The service runs PostgreSQL's one-statement forms instead (`pg_writes.py`, on asyncpg);
these generic ones are SQLite's, and hold on PostgreSQL too."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.common.clock import utcnow
from shop.orders.domain import Order, OrderStatus, StatusMove
from shop.orders.payments.charges import Charge
from shop.orders.store.dialects import Insert, conflict_insert
from shop.orders.store.models import (
    order_items,
    order_row,
    order_status_history,
    orders,
    payments,
)

# Statements built once: per-call construction (.values(...)) was a visible share of the
# CPU an order costs; the parameters go with each execute instead.
_INSERT_ORDER = insert(orders)
_INSERT_ITEMS = insert(order_items)
_INSERT_HISTORY = insert(order_status_history)
_MOVE = update(orders).where(
    orders.c.id == bindparam("b_order_id"), orders.c.status == bindparam("b_expected")
)


async def insert_order(conn: AsyncConnection, order: Order, *, reason: str) -> None:
    """The order row, its lines and its first history entry."""
    await conn.execute(_INSERT_ORDER, order_row(order))
    await conn.execute(
        _INSERT_ITEMS,
        [
            {
                "order_id": order.id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "name": line.name or None,
            }
            for line in order.items
        ],
    )
    await _add_history(conn, order.id, None, order.status, reason, order.created_at)


async def compare_and_set_status(conn: AsyncConnection, move: StatusMove) -> bool:
    """The move, if the order is still in `move.expected` (the claim that makes concurrent
    deciders safe: exactly one of them wins), with its history entry."""
    now = move.at or utcnow()
    values: dict[str, Any] = {
        "b_order_id": move.order_id,
        "b_expected": move.expected.value,
        "status": move.target.value,
        "updated_at": now,
    }
    if move.failure_code is not None:
        values.update(failure_code=move.failure_code, failure_reason=move.reason[:300])
    result = await conn.execute(_MOVE, values)
    if result.rowcount != 1:
        return False
    await _add_history(conn, move.order_id, move.expected, move.target, move.reason, now)
    return True


async def claim(
    conn: AsyncConnection, order_id: str, *, driver_id: str, now: datetime, until: datetime
) -> bool:
    """Takes a PENDING order whose lease ran out (or that never had one) for `driver_id`:
    a compare-and-set, so of several takers exactly one wins."""
    result = await conn.execute(
        update(orders)
        .where(
            orders.c.id == order_id,
            orders.c.status == OrderStatus.PENDING.value,
            or_(orders.c.lease_until.is_(None), orders.c.lease_until <= now),
        )
        .values(driver_id=driver_id, lease_until=until)
    )
    return bool(result.rowcount == 1)


async def renew_leases(
    conn: AsyncConnection, order_ids: Sequence[str], *, driver_id: str, until: datetime
) -> None:
    """Extends the leases `driver_id` still holds (an order taken over is not its own)."""
    await conn.execute(
        update(orders)
        .where(
            orders.c.id.in_(order_ids),
            orders.c.driver_id == driver_id,
            orders.c.status == OrderStatus.PENDING.value,
        )
        .values(lease_until=until)
    )


async def mark_settled(conn: AsyncConnection, order_id: str) -> None:
    await conn.execute(update(orders).where(orders.c.id == order_id).values(settled_at=utcnow()))


async def record_payment(conn: AsyncConnection, charge: Charge, *, provider: str) -> None:
    """Our copy of the provider's charge (one per order; a newer status overwrites)."""
    await conn.execute(upsert_payment(conn.dialect.name), payment_row(charge, provider=provider))


def payment_row(charge: Charge, *, provider: str) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": charge.charge_id,
        "order_id": charge.order_id,
        "provider": provider,
        "charge_id": charge.charge_id,
        "amount": charge.amount,
        "status": charge.status.value,
        "created_at": now,
        "updated_at": now,
    }


@functools.cache
def upsert_payment(dialect: str) -> Insert:
    # One statement instead of select-then-insert/update; the row is unique per order id.
    stmt = conflict_insert(dialect, payments)
    return stmt.on_conflict_do_update(
        index_elements=[payments.c.order_id],
        set_={"status": stmt.excluded.status, "updated_at": stmt.excluded.updated_at},
    )


async def _add_history(
    conn: AsyncConnection,
    order_id: str,
    from_status: OrderStatus | None,
    to_status: OrderStatus,
    reason: str,
    at: datetime,
) -> None:
    await conn.execute(
        _INSERT_HISTORY,
        {
            "order_id": order_id,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value,
            "at": at,
            "reason": reason[:300],
        },
    )
