"""PostgreSQL's one-statement form of a reservation's move with its lines' units.

Committing, releasing or expiring a reservation moved its status in one UPDATE and then
each line's counters in one more: a round trip each, and on asyncpg a round trip costs
more CPU than the SQL it carries. With data-modifying CTEs the status move and every
line's units are one statement, under the same guards as the generic form (`stock.py`,
which SQLite keeps): the reservation moves only from its source status (and before or
from its expiry, as the move says), and a product's counters move only where none would
go below zero; a product deleted since has no counters to move. The products are locked
in id order first, the order every reservation locks them in, so no two transactions
wait on each other's rows.
"""

from __future__ import annotations

import functools

from sqlalchemy import TextClause, text

from shop.products.domain import StockMove

# The reservation's columns come back renamed, apart from the products' own.
RESERVATION_COLUMNS = ("id", "order_id", "status", "items", "expires_at", "created_at")


def held_move_statement(move: StockMove) -> TextClause:
    """The statement for `move` (built once per kind of move): one row per product moved,
    each with the reservation's columns as `r_<name>` and the quantity as `moved_quantity`;
    a single row with NULL products when the reservation held none still standing; no row
    when the reservation was not there to move. A quiet move (one that never calls for an
    event) returns the reservation's row alone: its products would only be decoded, built
    and dropped (about 11 us of a reserve + commit's 440, paired rounds on one store)."""
    return _statement(move.expiry, tuple(move.per_unit.items()), move.quiet)


@functools.cache
def _statement(
    expiry: str | None, per_unit: tuple[tuple[str, int], ...], quiet: bool
) -> TextClause:
    due = {"live": " AND expires_at > :now", "due": " AND expires_at <= :now"}.get(expiry or "", "")
    deltas = ", ".join(
        f"{c} = products.{c} {'+' if sign > 0 else '-'} {abs(sign)} * locked.quantity"
        for c, sign in per_unit
    )
    floors = "".join(
        f" AND products.{c} >= {-sign} * locked.quantity" for c, sign in per_unit if sign < 0
    )
    returned = ", ".join(f"moved.{c} AS r_{c}" for c in RESERVATION_COLUMNS)
    # PostgreSQL runs a CTE's UPDATE whether or not the statement reads what it returns.
    units_returned, selected = (
        ("", f"{returned} FROM moved")
        if quiet
        else (
            " RETURNING products.*, locked.quantity AS moved_quantity",
            f"{returned}, units.* FROM moved LEFT JOIN units ON true",
        )
    )
    return text(
        f"""
        WITH moved AS (
            UPDATE reservations SET status = :target, updated_at = :updated_at
            WHERE order_id = :order_id AND status = :source{due}
            RETURNING {", ".join(RESERVATION_COLUMNS)}
        ), lines AS (
            SELECT line ->> 'productId' AS product_id,
                CAST(sum(CAST(line ->> 'quantity' AS bigint)) AS bigint) AS quantity
            FROM moved, jsonb_array_elements(moved.items) AS line
            GROUP BY 1
        ), locked AS MATERIALIZED (
            SELECT products.id, lines.quantity
            FROM products JOIN lines ON products.id = lines.product_id
            ORDER BY products.id
            FOR UPDATE OF products
        ), units AS (
            UPDATE products SET {deltas}, updated_at = :updated_at
            FROM locked
            WHERE products.id = locked.id{floors}{units_returned}
        )
        SELECT {selected}
        """
    )
