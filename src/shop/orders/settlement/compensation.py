"""Failing an order and giving back what it holds: no charge kept, no stock held."""

from __future__ import annotations

from shop.common.errors import NotFound, ServiceUnavailable, UpstreamTimeout
from shop.common.logging import get_logger
from shop.orders.context import Context
from shop.orders.domain import PLACED_REASON, IdempotencyKeyTaken, Order, OrderStatus
from shop.orders.events import OrderStatusChanged
from shop.orders.payments.charges import Charge, ChargeStatus
from shop.orders.status_moves import move_status

log = get_logger("shop.orders.settlement")
S = OrderStatus


async def fail(ctx: Context, order: Order, *, code: int, reason: str) -> None:
    """PENDING -> FAILED (if still pending), then gives back whatever the order holds."""
    await move_status(
        ctx,
        order.id,
        expected=S.PENDING,
        target=S.FAILED,
        reason=reason,
        failure_code=code,
        event=OrderStatusChanged.of(order, from_status=S.PENDING, to=S.FAILED),
    )
    await settle(ctx, order.id)


async def record_failed(ctx: Context, order: Order, *, code: int, reason: str) -> None:
    """Stores an order that never ran (its reservation in doubt) and fails it, so that
    settling it, now or in a recovery pass, gives back whatever it may hold."""
    try:
        async with ctx.uow() as uow:
            await uow.orders.add(order, reason=PLACED_REASON)
            await uow.commit()
    except IdempotencyKeyTaken:
        # A twin holds the key: this reservation is left to the product service's TTL.
        log.warning("reservation_left_to_expire", order_id=order.id)
        return
    await fail(ctx, order, code=code, reason=reason)


async def settle(ctx: Context, order_id: str) -> bool:
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
            await uow.payments.record(charge, provider=ctx.payments.name)
        await uow.orders.mark_settled(order_id)
        await uow.commit()
    return True
