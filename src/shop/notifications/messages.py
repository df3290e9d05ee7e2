"""What each event type tells whom: pure functions from a CloudEvent to a notification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notification:
    recipient: str | None
    message: str


def _money(cents: Any) -> str:
    return f"{int(cents) / 100:.2f}" if isinstance(cents, int) else "?"


def notification_for(event: dict[str, Any]) -> Notification | None:
    """The notification an event calls for, or None for types nobody is told about."""
    data = event.get("data") or {}
    kind = event.get("type")
    email = data.get("email")
    if kind == "user.registered":
        return Notification(email, f"Welcome to shop, {data.get('name') or email}!")
    if kind == "order.created":
        return Notification(
            email, f"Order {data.get('orderId')} placed: total {_money(data.get('total'))}."
        )
    if kind == "order.status_changed":
        return Notification(email, f"Order {data.get('orderId')} is now {data.get('status')}.")
    if kind == "order.cancelled":
        return Notification(email, f"Order {data.get('orderId')} was cancelled.")
    if kind == "product.low_stock":
        product = data.get("sku") or data.get("productId")
        return Notification("inventory-team", f"Low stock: {product} has {data.get('stock')} left.")
    return None
