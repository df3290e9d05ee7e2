"""Where an order is confirmed: stock committed, then PENDING -> CONFIRMED with
order.created and our record of its payment, in one transaction."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shop.common.clock import utcnow
from shop.orders.context import Context
from shop.orders.domain import Order, OrderStatus, PricedLine, StatusChange
from shop.orders.events import OrderCreated
from shop.orders.metrics import REVENUE_CENTS
from shop.orders.payments.charges import Charge
from shop.orders.ports import OrderUnitOfWork
from shop.orders.status_moves import move_status

S = OrderStatus
CONFIRM_REASON = "payment captured, stock committed"


async def confirm(ctx: Context, order: Order, charge: Charge) -> Order | None:
    """Commits the reserved stock, then PENDING -> CONFIRMED with order.created.

    Returns the order as this call confirmed it (so the caller need not read it back), or
    None when someone else moved it first. ReduceInventory's errors propagate:
    Conflict/NotFound (the reservation is gone) or ServiceUnavailable (try again later: the
    order stays PENDING for recovery).
    """
    await ctx.products.reduce(order.id)
    now = utcnow()

    async def record_payment(uow: OrderUnitOfWork) -> None:
        await uow.payments.record(charge, provider=ctx.payments.name)

    won = await move_status(
        ctx,
        order.id,
        expected=S.PENDING,
        target=S.CONFIRMED,
        reason=CONFIRM_REASON,
        at=now,
        along=record_payment,
        event=OrderCreated(
            order_id=order.id,
            user_id=order.user_id,
            email=order.user_email,
            status=S.CONFIRMED.value,
            total=order.total,
            items=[_item(i) for i in order.items],
            shipping_address=order.shipping_address,
        ),
    )
    if not won:
        return None
    REVENUE_CENTS.inc(order.total)
    change = StatusChange(
        from_status=S.PENDING, to_status=S.CONFIRMED, at=now, reason=CONFIRM_REASON
    )
    return replace(order, status=S.CONFIRMED, updated_at=now, history=(*order.history, change))


def _item(line: PricedLine) -> dict[str, Any]:
    return {
        "productId": line.product_id,
        "name": line.name,
        "quantity": line.quantity,
        "unitPrice": line.unit_price,
    }
