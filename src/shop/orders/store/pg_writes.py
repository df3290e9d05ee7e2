"""PostgreSQL's one-statement forms of the order store's hottest writes.

Each statement is a round trip, and a round trip through SQLAlchemy and asyncpg costs more
CPU than the SQL it carries: placing an order paid one for the order row, one for its lines
and one for each history entry. With data-modifying CTEs the order and its lines and first
history entry are one statement, and so are a status compare-and-set and its history entry.
A confirmation's payment record and its events go out together at commit, in one more.
Same rows, same constraints, same transaction as the generic forms (which SQLite keeps: it
has no data-modifying CTEs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.orders.domain import Order, OrderStatus
from shop.orders.store.models import order_row

_ORDER_COLUMNS = (
    "id, user_id, user_email, status, total, shipping_address, idempotency_key, "
    "request_hash, created_at, updated_at, driver_id, lease_until"
)

# The lines keep their order: serial ids are drawn in the order the SELECT yields its rows.
_INSERT_ORDER = text(
    f"""
    WITH placed AS (
        INSERT INTO orders ({_ORDER_COLUMNS})
        VALUES ({", ".join(":" + c for c in _ORDER_COLUMNS.split(", "))})
        RETURNING id
    ), lines AS (
        INSERT INTO order_items (order_id, product_id, quantity, unit_price, name)
        SELECT placed.id, l.product_id, l.quantity, l.unit_price, l.name
        FROM placed, unnest(
            CAST(:product_ids AS varchar[]), CAST(:quantities AS bigint[]),
            CAST(:unit_prices AS bigint[]), CAST(:names AS varchar[])
        ) WITH ORDINALITY AS l(product_id, quantity, unit_price, name, n)
        ORDER BY l.n
    )
    INSERT INTO order_status_history (order_id, from_status, to_status, at, reason)
    SELECT placed.id, NULL, CAST(:status AS varchar), CAST(:created_at AS timestamptz),
        CAST(:reason AS varchar)
    FROM placed
    """
).bindparams(bindparam("shipping_address", type_=JSONB))


def _move(*, failing: bool) -> TextClause:
    failure = ", failure_code = :failure_code, failure_reason = :failure_reason" if failing else ""
    return text(
        f"""
        WITH moved AS (
            UPDATE orders SET status = :target, updated_at = :now{failure}
            WHERE id = :order_id AND status = :expected
            RETURNING id
        )
        INSERT INTO order_status_history (order_id, from_status, to_status, at, reason)
        SELECT moved.id, CAST(:expected AS varchar), CAST(:target AS varchar),
            CAST(:now AS timestamptz), CAST(:reason AS varchar)
        FROM moved
        """
    )


_MOVE, _MOVE_FAILING = _move(failing=False), _move(failing=True)

# The events keep their order in the outbox (its ids are the relay's publishing order).
_PAYMENT_AND_EVENTS = text(
    """
    WITH paid AS (
        INSERT INTO payments
            (id, order_id, provider, charge_id, amount, status, created_at, updated_at)
        VALUES
            (:id, :order_id, :provider, :charge_id, :amount, :status, :created_at, :updated_at)
        ON CONFLICT (order_id)
        DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
    )
    INSERT INTO outbox (event_id, event_type, payload, created_at, published_at, attempts)
    SELECT e.event_id, e.event_type, e.payload, CAST(:created_at AS timestamptz), NULL, 0
    FROM unnest(
        CAST(:event_ids AS varchar[]), CAST(:event_types AS varchar[]), CAST(:payloads AS text[])
    ) WITH ORDINALITY AS e(event_id, event_type, payload, n)
    ORDER BY e.n
    """
)


async def insert_order(conn: AsyncConnection, order: Order, *, reason: str) -> None:
    """The order row, its lines and its first history entry, in one statement."""
    await conn.execute(
        _INSERT_ORDER,
        {
            **order_row(order),
            "product_ids": [line.product_id for line in order.items],
            "quantities": [line.quantity for line in order.items],
            "unit_prices": [line.unit_price for line in order.items],
            "names": [line.name or None for line in order.items],
            "reason": reason[:300],
        },
    )


async def compare_and_set_status(
    conn: AsyncConnection,
    order_id: str,
    *,
    expected: OrderStatus,
    target: OrderStatus,
    reason: str,
    failure_code: int | None,
    now: datetime,
) -> bool:
    """The move and its history entry in one statement; False (nothing written) when the
    order is no longer in `expected`."""
    params: dict[str, Any] = {
        "order_id": order_id,
        "expected": expected.value,
        "target": target.value,
        "now": now,
        "reason": reason[:300],
    }
    if failure_code is not None:
        params.update(failure_code=failure_code, failure_reason=reason[:300])
    statement = _MOVE if failure_code is None else _MOVE_FAILING
    result = await conn.execute(statement, params)
    return bool(result.rowcount == 1)


async def record_payment_with_events(
    conn: AsyncConnection, payment: dict[str, Any], events: list[dict[str, Any]]
) -> None:
    """A payment row (order_writes.payment_row) upserted and outbox rows inserted, in one
    statement."""
    await conn.execute(
        _PAYMENT_AND_EVENTS,
        {
            **payment,
            "event_ids": [e["event_id"] for e in events],
            "event_types": [e["event_type"] for e in events],
            "payloads": [e["payload"] for e in events],
        },
    )
