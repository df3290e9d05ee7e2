"""SQL reads of the order store: one order, a page of orders, ids the recovery loop needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.common.clock import as_utc
from shop.orders.domain import Order, OrderStatus, PricedLine, StatusChange
from shop.orders.store.models import order_items, order_status_history, orders

# Matches counted exactly up to this many (the catalog's cap too).
TOTAL_CAP = 1000


async def get_order(conn: AsyncConnection, order_id: str) -> Order | None:
    row = (await conn.execute(select(orders).where(orders.c.id == order_id))).first()
    if row is None:
        return None
    return (await _hydrate(conn, [row._mapping], history=True))[0]


async def find_by_key(conn: AsyncConnection, user_id: str, key: str) -> Order | None:
    row = (
        await conn.execute(
            select(orders).where(orders.c.user_id == user_id, orders.c.idempotency_key == key)
        )
    ).first()
    if row is None:
        return None
    return (await _hydrate(conn, [row._mapping], history=True))[0]


async def list_orders(
    conn: AsyncConnection,
    *,
    user_id: str | None,
    status: OrderStatus | None,
    offset: int,
    limit: int,
) -> tuple[list[Order], int]:
    """A page of orders, newest first, and how many match (exact up to TOTAL_CAP)."""
    conditions = []
    if user_id is not None:
        conditions.append(orders.c.user_id == user_id)
    if status is not None:
        conditions.append(orders.c.status == status.value)
    rows = (
        await conn.execute(
            select(orders)
            .where(*conditions)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    total = await _bounded_total(conn, conditions)
    return await _hydrate(conn, [r._mapping for r in rows], history=False), total


async def _bounded_total(conn: AsyncConnection, conditions: list[Any]) -> int:
    """Matches counted up to TOTAL_CAP + 1; past that, the planner's estimate on PostgreSQL.

    Counting every CONFIRMED order of a large shop costs more than the page itself."""
    capped = select(orders.c.id).where(*conditions).limit(TOTAL_CAP + 1).subquery()
    total = int(await conn.scalar(select(func.count()).select_from(capped)) or 0)
    if total <= TOTAL_CAP:
        return total
    statement = select(orders.c.id).where(*conditions)
    if conn.dialect.name != "postgresql":
        return int(await conn.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    plan = await conn.scalar(text(f"EXPLAIN (FORMAT JSON) {compiled}"))
    document = orjson.loads(plan) if isinstance(plan, str) else plan
    return max(TOTAL_CAP + 1, int(document[0]["Plan"]["Plan Rows"]))


async def ids_in_status_before(
    conn: AsyncConnection, status: OrderStatus, *, before: datetime, limit: int
) -> list[str]:
    query = (
        select(orders.c.id)
        .where(orders.c.status == status.value, orders.c.updated_at < before)
        .order_by(orders.c.updated_at)
        .limit(limit)
    )
    return list((await conn.scalars(query)).all())


async def unsettled_ids_before(
    conn: AsyncConnection, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
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
    return list((await conn.scalars(query)).all())


async def _hydrate(conn: AsyncConnection, rows: Sequence[Any], *, history: bool) -> list[Order]:
    ids = [row["id"] for row in rows]
    lines: dict[str, list[PricedLine]] = {i: [] for i in ids}
    changes: dict[str, list[StatusChange]] = {i: [] for i in ids}
    if ids:
        item_rows = await conn.execute(
            select(order_items).where(order_items.c.order_id.in_(ids)).order_by(order_items.c.id)
        )
        for item in item_rows:
            lines[item.order_id].append(
                PricedLine(
                    item.product_id, int(item.quantity), int(item.unit_price), item.name or ""
                )
            )
        if history:
            history_rows = await conn.execute(
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
            driver_id=row["driver_id"],
            lease_until=row["lease_until"] and as_utc(row["lease_until"]),
        )
        for row in rows
    ]
