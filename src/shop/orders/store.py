"""The order repository: reads and conditional writes on a session (never commits)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.common.outbox import utcnow
from shop.orders.domain import Order, OrderStatus, PricedLine, StatusChange
from shop.orders.models import order_items, order_status_history, orders, payments
from shop.orders.payments import Charge
from shop.orders.sql import Insert, conflict_insert, dialect_name

# Statements built once: per-call construction (.values(...)) was a visible share of the
# CPU an order costs; the parameters go with each execute instead.
_INSERT_ORDER = insert(orders)
_INSERT_ITEMS = insert(order_items)
_INSERT_HISTORY = insert(order_status_history)
_MOVE = update(orders).where(
    orders.c.id == bindparam("b_order_id"), orders.c.status == bindparam("b_expected")
)


async def insert_order(session: AsyncSession, order: Order, *, reason: str) -> None:
    """The order row, its lines and its first history entry."""
    await session.execute(
        _INSERT_ORDER,
        {
            "id": order.id,
            "user_id": order.user_id,
            "user_email": order.user_email,
            "status": order.status.value,
            "total": order.total,
            "shipping_address": order.shipping_address,
            "idempotency_key": order.idempotency_key,
            "request_hash": order.request_hash,
            "created_at": order.created_at,
            "updated_at": order.updated_at,
        },
    )
    await session.execute(
        _INSERT_ITEMS,
        [
            {
                "order_id": order.id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in order.items
        ],
    )
    await _add_history(session, order.id, None, order.status, reason, order.created_at)


async def compare_and_set_status(
    session: AsyncSession,
    order_id: str,
    *,
    expected: OrderStatus,
    target: OrderStatus,
    reason: str,
    failure_code: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Moves the order only if it is still in `expected` (the claim that makes concurrent
    deciders safe: exactly one of them wins); records the move (at `now`) in the history."""
    now = now or utcnow()
    values: dict[str, Any] = {
        "b_order_id": order_id,
        "b_expected": expected.value,
        "status": target.value,
        "updated_at": now,
    }
    if failure_code is not None:
        values.update(failure_code=failure_code, failure_reason=reason[:300])
    result = await session.execute(_MOVE, values)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await _add_history(session, order_id, expected, target, reason, now)
    return True


async def mark_settled(session: AsyncSession, order_id: str) -> None:
    await session.execute(update(orders).where(orders.c.id == order_id).values(settled_at=utcnow()))


async def record_payment(session: AsyncSession, charge: Charge, *, provider: str) -> None:
    """Our copy of the provider's charge (one per order; a newer status overwrites)."""
    now = utcnow()
    await session.execute(
        _upsert_payment(dialect_name(session)),
        {
            "id": charge.charge_id,
            "order_id": charge.order_id,
            "provider": provider,
            "charge_id": charge.charge_id,
            "amount": charge.amount,
            "status": charge.status.value,
            "created_at": now,
            "updated_at": now,
        },
    )


@functools.cache
def _upsert_payment(dialect: str) -> Insert:
    # One statement instead of select-then-insert/update; the row is unique per order id.
    stmt = conflict_insert(dialect, payments)
    return stmt.on_conflict_do_update(
        index_elements=[payments.c.order_id],
        set_={"status": stmt.excluded.status, "updated_at": stmt.excluded.updated_at},
    )


async def _add_history(
    session: AsyncSession,
    order_id: str,
    from_status: OrderStatus | None,
    to_status: OrderStatus,
    reason: str,
    at: datetime,
) -> None:
    await session.execute(
        _INSERT_HISTORY,
        {
            "order_id": order_id,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value,
            "at": at,
            "reason": reason[:300],
        },
    )


async def get_order(session: AsyncSession, order_id: str) -> Order | None:
    row = (await session.execute(select(orders).where(orders.c.id == order_id))).first()
    if row is None:
        return None
    return (await _hydrate(session, [row._mapping], history=True))[0]


async def find_by_key(session: AsyncSession, user_id: str, key: str) -> Order | None:
    row = (
        await session.execute(
            select(orders).where(orders.c.user_id == user_id, orders.c.idempotency_key == key)
        )
    ).first()
    if row is None:
        return None
    return (await _hydrate(session, [row._mapping], history=True))[0]


async def list_orders(
    session: AsyncSession,
    *,
    user_id: str | None,
    status: OrderStatus | None,
    offset: int,
    limit: int,
) -> tuple[list[Order], int]:
    """A page of orders, newest first, and how many match in all."""
    conditions = []
    if user_id is not None:
        conditions.append(orders.c.user_id == user_id)
    if status is not None:
        conditions.append(orders.c.status == status.value)
    total = await session.scalar(select(func.count()).select_from(orders).where(*conditions))
    rows = (
        await session.execute(
            select(orders)
            .where(*conditions)
            .order_by(orders.c.created_at.desc(), orders.c.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return await _hydrate(session, [r._mapping for r in rows], history=False), int(total or 0)


async def ids_in_status_before(
    session: AsyncSession, status: OrderStatus, *, before: datetime, limit: int
) -> list[str]:
    query = (
        select(orders.c.id)
        .where(orders.c.status == status.value, orders.c.updated_at < before)
        .order_by(orders.c.updated_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def unsettled_ids_before(
    session: AsyncSession, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
) -> list[str]:
    query = (
        select(orders.c.id)
        .where(
            orders.c.status.in_([s.value for s in statuses]),
            orders.c.settled_at.is_(None),
            orders.c.updated_at < before,
        )
        .order_by(orders.c.updated_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def _hydrate(session: AsyncSession, rows: Sequence[Any], *, history: bool) -> list[Order]:
    ids = [row["id"] for row in rows]
    lines: dict[str, list[PricedLine]] = {i: [] for i in ids}
    changes: dict[str, list[StatusChange]] = {i: [] for i in ids}
    if ids:
        item_rows = await session.execute(
            select(order_items).where(order_items.c.order_id.in_(ids)).order_by(order_items.c.id)
        )
        for item in item_rows:
            lines[item.order_id].append(
                PricedLine(item.product_id, int(item.quantity), int(item.unit_price))
            )
        if history:
            history_rows = await session.execute(
                select(order_status_history)
                .where(order_status_history.c.order_id.in_(ids))
                .order_by(order_status_history.c.id)
            )
            for h in history_rows:
                changes[h.order_id].append(
                    StatusChange(
                        from_status=OrderStatus(h.from_status) if h.from_status else None,
                        to_status=OrderStatus(h.to_status),
                        at=h.at,
                        reason=h.reason,
                    )
                )
    return [
        Order(
            id=row["id"],
            user_id=row["user_id"],
            user_email=row["user_email"],
            status=OrderStatus(row["status"]),
            items=tuple(lines[row["id"]]),
            total=int(row["total"]),
            shipping_address=dict(row["shipping_address"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            idempotency_key=row["idempotency_key"],
            request_hash=row["request_hash"],
            failure_code=row["failure_code"],
            failure_reason=row["failure_reason"],
            history=tuple(changes[row["id"]]),
        )
        for row in rows
    ]
