"""`StockTransaction.move_held` for stores without a one-statement form of it (SQLite,
MongoDB): one write for the reservation and one per line, in the store's transaction."""

from __future__ import annotations

from datetime import datetime

from shop.products.domain import Line, Product, Reservation, StockMove
from shop.products.stores.protocol import StockTransaction


async def move_line_by_line(
    tx: StockTransaction, order_id: str, move: StockMove, *, now: datetime
) -> tuple[Reservation, list[tuple[Line, Product]]] | None:
    """`StockTransaction.move_held` as one write for the reservation and one per line."""
    moved = await tx.move_reservation(order_id, move, now=now)
    if moved is None:
        return None
    held: list[tuple[Line, Product]] = []
    for line in moved.items:
        product = await tx.move_units(line.product_id, move.changes(line.quantity))
        # A product deleted since it was sold has no counters left to move.
        if product is not None:
            held.append((line, product))
    return moved, held
