"""Reservations as plain values: the units an order holds, and how long it holds them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shop.common.clock import as_utc
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


def reservation_fields(reservation: Reservation) -> dict[str, Any]:
    """The stored fields of a new reservation (every store adds its own id key)."""
    return {
        "order_id": reservation.order_id,
        "status": reservation.status.value,
        "items": lines_to_json(reservation.items),
        "expires_at": reservation.expires_at,
        "created_at": reservation.created_at,
        "updated_at": reservation.created_at,
    }


def reservation_from_fields(fields: Mapping[str, Any], *, reservation_id: str) -> Reservation:
    """A Reservation from its stored fields (a SQL row or a Mongo document alike)."""
    return Reservation(
        id=reservation_id,
        order_id=fields["order_id"],
        status=ReservationStatus(fields["status"]),
        items=lines_from_json(list(fields["items"])),
        expires_at=as_utc(fields["expires_at"]),
        created_at=as_utc(fields["created_at"]),
    )


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
