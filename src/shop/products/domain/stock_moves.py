"""The stock moves, defined once for every store.

A move says what one unit of a line does to a product's counters and, for a reservation,
which status it leaves and enters. A store applies a move to all the units of a line in
one atomic step, refused where a counter would go below zero (SQL: a conditional UPDATE;
MongoDB: a conditional update with $inc); no store restates a move. The flows that chain
moves into reserve, commit, release, expire and restock are `stores/inventory.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from shop.common.errors import Conflict
from shop.products.domain.catalog import Product
from shop.products.domain.reservations import Reservation, ReservationClosed
from shop.products.domain.reservations import ReservationStatus as R

Counter = Literal["stock", "reserved", "sold", "stocked"]
Changes = Mapping[Counter, int]


@dataclass(frozen=True, slots=True)
class StockMove:
    per_unit: Mapping[Counter, int]  # what one unit adds to each counter
    source: R | None = None  # the reservation status it moves from (None: no reservation)
    target: R | None = None  # the status it moves to
    # "live": only before the reservation's expiry; "due": only from its expiry on.
    expiry: Literal["live", "due"] | None = None

    def changes(self, quantity: int) -> dict[Counter, int]:
        """What `quantity` units add to each counter (a negative quantity takes them away)."""
        return {counter: sign * quantity for counter, sign in self.per_unit.items()}

    @property
    def quiet(self) -> bool:
        """Whether it never calls for an event: only stock taken away crosses below a
        low-stock threshold (`crossed_low_stock`)."""
        return self.per_unit.get("stock", 0) >= 0


RESERVE = StockMove({"stock": -1, "reserved": 1}, target=R.RESERVED)
COMMIT = StockMove({"reserved": -1, "sold": 1}, R.RESERVED, R.COMMITTED, expiry="live")
EXPIRE = StockMove({"stock": 1, "reserved": -1}, R.RESERVED, R.EXPIRED, expiry="due")
RELEASE_HELD = StockMove({"stock": 1, "reserved": -1}, R.RESERVED, R.RELEASED)
# A cancelled order that was already committed gives its sold units back too.
RELEASE_SOLD = StockMove({"stock": 1, "sold": -1}, R.COMMITTED, R.RELEASED)
RELEASES = (RELEASE_HELD, RELEASE_SOLD)  # a release tries them in this order
# An admin's stock change: the quantity is the signed number of units added.
RESTOCK = StockMove({"stock": 1, "stocked": 1})


def floors(changes: Changes) -> dict[Counter, int]:
    """The least each counter must hold for the changes to apply: none goes below zero."""
    return {counter: -change for counter, change in changes.items() if change < 0}


def crossed_below(*, before: int, after: int, threshold: int) -> bool:
    """True when a stock change moves stock from at/above the threshold to below it."""
    return before >= threshold > after


def crossed_low_stock(product: Product, changes: Changes) -> bool:
    """True when the changes that left `product` as it is took its stock below the
    threshold (once per crossing: a sale that stays below it does not count again)."""
    before = product.stock - changes.get("stock", 0)
    return crossed_below(before=before, after=product.stock, threshold=product.low_stock_threshold)


def commit_missed(current: Reservation) -> Reservation:
    """The answer to a commit that moved nothing: a repeat gets the committed reservation;
    any other status refuses (one past its expiry but not yet swept is "expired")."""
    if current.status is R.COMMITTED:
        return current
    closed = "expired" if current.status is R.RESERVED else current.status.value
    raise ReservationClosed(current.order_id, closed)


class OutOfStock(Conflict):
    """A stock change would take stock below zero (REST 409, gRPC FAILED_PRECONDITION)."""

    def __init__(self, product_id: str, *, requested: int | None = None) -> None:
        detail = f" ({requested} requested)" if requested is not None else ""
        super().__init__(f"Insufficient stock for product {product_id}{detail}")
