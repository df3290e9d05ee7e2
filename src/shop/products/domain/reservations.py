"""Reservations as plain values: the units an order holds, and how long it holds them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shop.common.errors import Conflict, NotFound


class ReservationStatus(enum.StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Line:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    order_id: str
    status: ReservationStatus
    items: tuple[Line, ...]
    expires_at: datetime
    created_at: datetime


def lines_to_json(lines: tuple[Line, ...]) -> list[dict[str, Any]]:
    return [{"productId": line.product_id, "quantity": line.quantity} for line in lines]


def lines_from_json(raw: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(Line(product_id=str(i["productId"]), quantity=int(i["quantity"])) for i in raw)


class ReservationNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No reservation for order {order_id}")


class ReservationClosed(Conflict):
    """The reservation can no longer move that way (e.g. committing an expired one)."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"Reservation for order {order_id} is {status}")


class ReservationTaken(Exception):
    """The order already holds a reservation written by a concurrent twin call; the store
    rolls back and returns that one (never seen outside a store)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(order_id)
        self.order_id = order_id
