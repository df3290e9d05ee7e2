"""Events the order service publishes (through its outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from shop.common.events import DomainEvent
from shop.orders.domain import Order, OrderStatus

SOURCE = "shop/orders"


@dataclass(frozen=True)
class OrderCreated(DomainEvent):
    """Emitted with the CONFIRMED transition: paid, stock committed (never for a failed try)."""

    type: ClassVar[str] = "order.created"
    order_id: str
    user_id: str
    email: str
    status: str
    total: int
    items: list[dict[str, Any]]
    shipping_address: dict[str, Any]


@dataclass(frozen=True)
class OrderStatusChanged(DomainEvent):
    type: ClassVar[str] = "order.status_changed"
    order_id: str
    user_id: str
    email: str
    from_status: str
    status: str

    @classmethod
    def of(cls, order: Order, *, from_status: OrderStatus, to: OrderStatus) -> OrderStatusChanged:
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            email=order.user_email,
            from_status=from_status.value,
            status=to.value,
        )


@dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    type: ClassVar[str] = "order.cancelled"
    order_id: str
    user_id: str
    email: str
    from_status: str
    total: int
