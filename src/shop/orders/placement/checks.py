"""The peer checks (user, address, stock) that turn a PlaceOrder into a PENDING order."""

from __future__ import annotations

import asyncio

from shop.common.clock import utcnow
from shop.common.errors import Conflict, Forbidden, NotFound
from shop.common.ids import new_id
from shop.orders.context import Context
from shop.orders.domain import (
    Availability,
    Line,
    Order,
    OrderStatus,
    PricedLine,
    StatusChange,
    order_total,
)
from shop.orders.placement.request import PlaceOrder
from shop.protos.shop.user.v1 import user_pb2 as upb

S = OrderStatus
PLACED_REASON = "order placed"


async def new_order(
    ctx: Context, request: PlaceOrder, lines: tuple[Line, ...], digest: str
) -> Order:
    """The PENDING order (not yet stored), or the AppError a peer's answer calls for."""
    # Independent reads: asked together, answered in the order the checks are made.
    # One user call answers both "may they order" and "which address".
    validation, availability = await asyncio.gather(
        ctx.users.validate_user(request.user_id, request.shipping_address_id),
        ctx.products.check(lines),
        return_exceptions=True,
    )
    if isinstance(validation, BaseException):
        raise validation
    if not validation.valid:
        raise Forbidden(validation.reason or "User may not place orders")
    address: upb.Address | None = validation.address if validation.HasField("address") else None
    if address is None:
        # Not theirs, or a user service that predates the field: the list decides.
        addresses = await ctx.users.addresses(request.user_id)
        address = next((a for a in addresses if a.id == request.shipping_address_id), None)
    if address is None:
        raise NotFound(
            "Shipping address not found",
            errors=[{"path": "shippingAddressId", "message": "not one of your addresses"}],
        )
    if isinstance(availability, BaseException):
        raise availability
    prices = _prices(lines, availability)
    names = {a.product_id: a.name for a in availability}
    priced = tuple(
        PricedLine(ln.product_id, ln.quantity, prices[ln.product_id], names.get(ln.product_id, ""))
        for ln in lines
    )
    now = utcnow()
    return Order(
        id=new_id(),
        user_id=request.user_id,
        user_email=validation.user.email,
        status=S.PENDING,
        items=priced,
        total=order_total(priced),
        shipping_address={
            "id": address.id,
            "line1": address.line1,
            "line2": address.line2 or None,
            "city": address.city,
            "state": address.state or None,
            "postalCode": address.postal_code,
            "country": address.country,
        },
        created_at=now,
        updated_at=now,
        idempotency_key=request.idempotency_key,
        request_hash=digest,
        history=(StatusChange(None, S.PENDING, now, PLACED_REASON),),
    )


def _prices(lines: tuple[Line, ...], availability: list[Availability]) -> dict[str, int]:
    """Unit prices from the product service; 404 for unknown products, 409 when short."""
    by_id = {a.product_id: a for a in availability}
    missing = [
        ln.product_id
        for ln in lines
        if ln.product_id not in by_id or not by_id[ln.product_id].found
    ]
    if missing:
        raise NotFound(
            "Product not found",
            errors=[{"path": "items.productId", "message": pid} for pid in missing],
        )
    short = [by_id[ln.product_id] for ln in lines if not by_id[ln.product_id].in_stock]
    if short:
        raise Conflict(
            "Insufficient stock",
            errors=[
                {"path": "items", "message": f"{a.product_id}: {a.available} available"}
                for a in short
            ],
        )
    return {pid: a.unit_price for pid, a in by_id.items()}
