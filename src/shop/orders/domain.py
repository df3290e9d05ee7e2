"""The order state machine and the value types of the order flow (pure: no I/O)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PLACED_REASON = "order placed"  # the first history entry of every order


class OrderStatus(enum.StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


S = OrderStatus

# The contract's moves; any pair not listed here is illegal (409).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED, S.FAILED}),
    S.CONFIRMED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}

# Orders in these states hold nothing: their stock is (to be) released, their charge refunded.
SETTLED_BY_COMPENSATION = frozenset({S.CANCELLED, S.FAILED})


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True when the contract allows moving an order from `current` to `target`."""
    return target in TRANSITIONS[current]


def parse_status(value: str) -> OrderStatus | None:
    """The status named by `value` (exact, upper case), or None."""
    try:
        return OrderStatus(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Line:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_id: str
    quantity: int
    unit_price: int
    # The product's name when the order was placed (for the confirmation mail).
    name: str = ""


@dataclass(frozen=True, slots=True)
class StatusChange:
    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class StatusMove:
    """A compare-and-set of one order's status: it happens only if the order is still in
    `expected`, and then writes its history entry (`reason`, at `at`, or when it is written
    if None) and, for a failure, `failure_code` with `reason`."""

    order_id: str
    expected: OrderStatus
    target: OrderStatus
    reason: str
    failure_code: int | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    user_id: str
    user_email: str
    status: OrderStatus
    items: tuple[PricedLine, ...]
    total: int
    shipping_address: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    idempotency_key: str | None = None
    request_hash: str | None = None
    failure_code: int | None = None
    failure_reason: str | None = None
    history: tuple[StatusChange, ...] = ()
    # Who drives the order while it is PENDING, and until when (see orders/leases.py):
    # bookkeeping of the store, not part of the order's value, so equality ignores it.
    driver_id: str | None = field(default=None, compare=False)
    lease_until: datetime | None = field(default=None, compare=False)


_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")


def is_plausible_id(value: str) -> bool:
    """Ids are short printable tokens; anything else cannot name a stored row."""
    return bool(_SAFE_ID.match(value))


def merge_lines(lines: list[Line]) -> tuple[Line, ...]:
    """One line per product (quantities added), in a stable order."""
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    return tuple(Line(pid, qty) for pid, qty in sorted(merged.items()))


def order_total(lines: tuple[PricedLine, ...]) -> int:
    return sum(line.quantity * line.unit_price for line in lines)


@dataclass(frozen=True, slots=True)
class Availability:
    """The product service's answer for one line: its price, name and whether it is in stock."""

    product_id: str
    requested: int
    available: int
    in_stock: bool
    unit_price: int
    found: bool
    name: str = ""


@dataclass(frozen=True, slots=True)
class Price:
    """A reserved product's unit price and name, as the reservation answered them."""

    product_id: str
    unit_price: int
    name: str = ""


class IdempotencyKeyTaken(Exception):
    """The user's Idempotency-Key is already on an order (the store's unique key said so)."""
