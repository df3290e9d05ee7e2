"""Pydantic shapes of the REST API (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from shop.common.clock import as_utc
from shop.orders.domain import Order, OrderStatus


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class OrderItemCreate(_Camel):
    product_id: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=10_000)


class PaymentIn(_Camel):
    method: str = Field(min_length=1, max_length=20)
    token: str = Field(min_length=1, max_length=200)


class OrderCreate(_Camel):
    items: list[OrderItemCreate] = Field(min_length=1, max_length=100)
    shipping_address_id: str = Field(min_length=1, max_length=100)
    payment: PaymentIn


class OrderStatusUpdate(_Camel):
    status: str = Field(min_length=1, max_length=20)


class OrderItemRead(_Camel):
    product_id: str
    quantity: int
    unit_price: int


def _absent_when_none(value: object) -> bool:
    return value is None


class StatusChangeRead(_Camel):
    # The first entry has no previous status: the key is left out rather than null.
    from_status: OrderStatus | None = Field(default=None, exclude_if=_absent_when_none)
    to_status: OrderStatus
    at: datetime
    reason: str


class ShippingAddressRead(_Camel):
    """The address as it was when the order was placed."""

    id: str
    line1: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str


# The snapshot goes out as stored, not rebuilt through a model per read; this documents its
# fields, and the OpenAPI contract test holds real bodies to them.
ShippingAddress = Annotated[
    dict[str, Any], WithJsonSchema(ShippingAddressRead.model_json_schema(by_alias=True))
]


class OrderRead(_Camel):
    id: str
    user_id: str
    status: OrderStatus
    items: list[OrderItemRead]
    total: int
    shipping_address: ShippingAddress
    created_at: datetime
    updated_at: datetime
    # Only a single order's read carries its history; lists leave the key out.
    status_history: list[StatusChangeRead] | None = Field(
        default=None, exclude_if=_absent_when_none
    )

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            items=[
                OrderItemRead(product_id=i.product_id, quantity=i.quantity, unit_price=i.unit_price)
                for i in order.items
            ],
            total=order.total,
            shipping_address=order.shipping_address,
            created_at=as_utc(order.created_at),
            updated_at=as_utc(order.updated_at),
            status_history=[
                StatusChangeRead(
                    from_status=h.from_status,
                    to_status=h.to_status,
                    at=as_utc(h.at),
                    reason=h.reason,
                )
                for h in order.history
            ]
            or None,
        )

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
