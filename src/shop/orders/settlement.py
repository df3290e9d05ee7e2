"""The saga's terminal steps, shared by the live request, cancellation and recovery.

Every status move is a compare-and-set on the order row, so when a live request, the
recovery loop (on any replica) and a cancellation race for one order, exactly one wins and
the others see the result; every remote step they repeat is idempotent by order id.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shop.common.errors import NotFound, ServiceUnavailable, UpstreamTimeout
from shop.common.logging import get_logger
from shop.common.outbox import utcnow
from shop.orders import store_writes
from shop.orders.context import OrderContext
from shop.orders.domain import Order, OrderStatus, PricedLine, StatusChange
from shop.orders.events import OrderCreated, OrderStatusChanged
from shop.orders.payments import Charge, ChargeStatus

log = get_logger("shop.orders.settlement")
S = OrderStatus


CONFIRM_REASON = "payment captured, stock committed"


async def confirm(ctx: OrderContext, order: Order, charge: Charge) -> Order | None:
    """Commits the reserved stock, then PENDING -> CONFIRMED with order.created.

    Returns the order as this call confirmed it (so the caller need not read it back), or
    None when someone else moved it first. ReduceInventory's errors propagate:
    Conflict/NotFound (the reservation is gone) or ServiceUnavailable (try again later: the
    order stays PENDING for recovery).
    """
    await ctx.products.reduce(order.id)
    now = utcnow()
    async with ctx.uow() as uow:
        won = await store_writes.compare_and_set_status(
            uow.session,
            order.id,
            expected=S.PENDING,
            target=S.CONFIRMED,
            reason=CONFIRM_REASON,
            now=now,
        )
        if won:
            await store_writes.record_payment(uow.session, charge, provider=ctx.payments.name)
            uow.emit(
                OrderCreated(
                    order_id=order.id,
                    user_id=order.user_id,
                    email=order.user_email,
                    status=S.CONFIRMED.value,
                    total=order.total,
                    items=[_item(i) for i in order.items],
                    shipping_address=order.shipping_address,
                )
            )
        await uow.commit()
    if not won:
        return None
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


async def fail(ctx: OrderContext, order: Order, *, code: int, reason: str) -> None:
    """PENDING -> FAILED (if still pending), then gives back whatever the order holds."""
    async with ctx.uow() as uow:
        won = await store_writes.compare_and_set_status(
            uow.session,
            order.id,
            expected=S.PENDING,
            target=S.FAILED,
            reason=reason,
            failure_code=code,
        )
        if won:
            uow.emit(
                OrderStatusChanged(
                    order_id=order.id,
                    user_id=order.user_id,
                    email=order.user_email,
                    from_status=S.PENDING.value,
                    status=S.FAILED.value,
                )
            )
        await uow.commit()
    await settle(ctx, order.id)


async def settle(ctx: OrderContext, order_id: str) -> bool:
    """Compensates a FAILED or CANCELLED order: no charge kept, no stock held.

    Returns False when a peer is down; the recovery loop calls it again later.
    """
    # The void fences off a charge still in flight elsewhere; a charge that got through
    # first is refunded instead.
    charge: Charge | None = await ctx.payments.void(order_id)
    if charge is not None and charge.succeeded:
        charge = await ctx.payments.refund(order_id)
    try:
        # Releases a live reservation, or returns the units of a committed one.
        await ctx.products.release(order_id)
    except NotFound:
        pass  # never reserved: nothing to give back
    except (ServiceUnavailable, UpstreamTimeout) as exc:
        log.warning("settle_deferred", order_id=order_id, error=exc.message)
        return False
    async with ctx.uow() as uow:
        if charge is not None and charge.status is not ChargeStatus.VOIDED:
            await store_writes.record_payment(uow.session, charge, provider=ctx.payments.name)
        await store_writes.mark_settled(uow.session, order_id)
        await uow.commit()
    return True
