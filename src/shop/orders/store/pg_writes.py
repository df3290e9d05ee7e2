"""PostgreSQL's one-statement forms of the order store's writes, with their parameters
(run on asyncpg by `pg_unit_of_work.py`).

Each statement is a round trip, and a round trip costs more CPU than the SQL it carries:
placing an order paid one for the order row, one for its lines and one for each history
entry. With data-modifying CTEs the order and its lines and first history entry are one
statement, and so is a status compare-and-set with its history entry and, when it is the
unit of work's last write, the payment record and events that go with it (a confirmation:
one statement, so no BEGIN and COMMIT either). Same rows, same constraints as the generic
forms (which SQLite keeps: it has no data-modifying CTEs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from shop.common.clock import utcnow
from shop.orders.domain import Order, OrderStatus, StatusMove
from shop.orders.store.models import order_row

_ORDER_COLUMNS = (
    "id, user_id, user_email, status, total, shipping_address, idempotency_key, "
    "request_hash, created_at, updated_at, driver_id, lease_until"
)

# The lines keep their order: serial ids are drawn in the order the SELECT yields its rows.
INSERT_ORDER = text(
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


_HISTORY = """
    INSERT INTO order_status_history (order_id, from_status, to_status, at, reason)
    SELECT moved.id, CAST(:expected AS varchar), CAST(:target AS varchar),
        CAST(:now AS timestamptz), CAST(:reason AS varchar)
    FROM moved
"""
# The events keep their order in the outbox (its ids are the relay's publishing order).
_EVENTS = """
    INSERT INTO outbox (event_id, event_type, payload, created_at, published_at, attempts)
    SELECT e.event_id, e.event_type, e.payload, CAST(:events_at AS timestamptz), NULL, 0
    FROM {source}unnest(
        CAST(:event_ids AS varchar[]), CAST(:event_types AS varchar[]), CAST(:payloads AS text[])
    ) WITH ORDINALITY AS e(event_id, event_type, payload, n)
    ORDER BY e.n
"""
# As order_writes.upsert_payment's.
_UPSERT_PAYMENT = """
    ON CONFLICT (order_id)
    DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
"""


def _moved(*, failing: bool) -> str:
    failure = ", failure_code = :failure_code, failure_reason = :failure_reason" if failing else ""
    return f"""
        moved AS (
            UPDATE orders SET status = :target, updated_at = :now{failure}
            WHERE id = :order_id AND status = :expected
            RETURNING id
        )
    """


def _move(*, failing: bool) -> TextClause:
    return text(f"WITH {_moved(failing=failing)} {_HISTORY}")


def _move_with(*, failing: bool, paying: bool) -> TextClause:
    """The move, its history entry and, only if it won, a payment record and events; its
    one row says whether it won (data-modifying CTEs run whether or not they are read)."""
    paid = (
        f"""paid AS (
            INSERT INTO payments
                (id, order_id, provider, charge_id, amount, status, created_at, updated_at)
            SELECT CAST(:p_id AS varchar), moved.id, CAST(:p_provider AS varchar),
                CAST(:p_charge_id AS varchar), CAST(:p_amount AS bigint),
                CAST(:p_status AS varchar), CAST(:p_created_at AS timestamptz),
                CAST(:p_updated_at AS timestamptz)
            FROM moved
            {_UPSERT_PAYMENT}
        ),"""
        if paying
        else ""
    )
    return text(
        f"""
        WITH {_moved(failing=failing)}, history AS ({_HISTORY}), {paid}
        events AS ({_EVENTS.format(source="moved, ")})
        SELECT count(*) FROM moved
        """
    )


_MOVES = {failing: _move(failing=failing) for failing in (False, True)}
_MOVES_WITH = {
    (failing, paying): _move_with(failing=failing, paying=paying)
    for failing in (False, True)
    for paying in (False, True)
}

EVENTS = text(_EVENTS.format(source=""))

CLAIM = text(
    f"""
    UPDATE orders SET driver_id = :driver_id, lease_until = :until
    WHERE id = :order_id AND status = '{OrderStatus.PENDING.value}'
        AND (lease_until IS NULL OR lease_until <= :now)
    """
)
RENEW_LEASES = text(
    f"""
    UPDATE orders SET lease_until = :until
    WHERE id = ANY(CAST(:order_ids AS varchar[])) AND driver_id = :driver_id
        AND status = '{OrderStatus.PENDING.value}'
    """
)
MARK_SETTLED = text("UPDATE orders SET settled_at = :now WHERE id = :order_id")


def order_params(order: Order, *, reason: str) -> dict[str, Any]:
    """INSERT_ORDER's parameters: the order row, its lines as arrays, the history reason."""
    return {
        **order_row(order),
        "product_ids": [line.product_id for line in order.items],
        "quantities": [line.quantity for line in order.items],
        "unit_prices": [line.unit_price for line in order.items],
        "names": [line.name or None for line in order.items],
        "reason": reason[:300],
    }


def move(move: StatusMove) -> tuple[TextClause, dict[str, Any]]:
    """The compare-and-set with its history entry (it inserts one row if it won)."""
    params: dict[str, Any] = {
        "order_id": move.order_id,
        "expected": move.expected.value,
        "target": move.target.value,
        "now": move.at or utcnow(),
        "reason": move.reason[:300],
    }
    if move.failure_code is not None:
        params.update(failure_code=move.failure_code, failure_reason=move.reason[:300])
    return _MOVES[move.failure_code is not None], params


def move_with(
    moving: dict[str, Any], payment: dict[str, Any] | None, events: Sequence[dict[str, Any]]
) -> tuple[TextClause, dict[str, Any]]:
    """The `move` of these parameters, also writing, if it wins, a payment row
    (order_writes.payment_row) and outbox rows; it returns one row, 1 if it won."""
    params = moving
    failing = "failure_code" in params
    params = {**params, **events_params(events, at=params["now"])}
    if payment is not None:
        params.update({f"p_{name}": value for name, value in payment.items()})
    return _MOVES_WITH[failing, payment is not None], params


def events_params(events: Sequence[dict[str, Any]], *, at: datetime) -> dict[str, Any]:
    """EVENTS' parameters for these outbox rows (`unit_of_work.outbox_rows`)."""
    return {
        "event_ids": [e["event_id"] for e in events],
        "event_types": [e["event_type"] for e in events],
        "payloads": [e["payload"] for e in events],
        "events_at": at,
    }
