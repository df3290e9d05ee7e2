"""Finishes what a crash interrupted: PENDING orders and unsettled compensations.

Safe beside live requests and on several replicas: orders this process is driving are
skipped, only orders idle for the grace period whose driver's lease ran out are touched
(claimed with a compare-and-set, so one taker drives each), every status move is a
compare-and-set, and the payment void fences off a charge still racing elsewhere.
Recovery never charges: an order with no successful charge ends FAILED.
"""

from __future__ import annotations

from datetime import timedelta

from shop.common.background import every
from shop.common.clock import utcnow
from shop.common.errors import AppError, Conflict, NotFound
from shop.common.logging import get_logger
from shop.orders.context import Context
from shop.orders.domain import SETTLED_BY_COMPENSATION, OrderStatus
from shop.orders.leases import lease_end
from shop.orders.payments.charges import ChargeStatus
from shop.orders.settlement.compensation import fail, settle
from shop.orders.settlement.confirm import confirm

log = get_logger("shop.orders.recovery")
S = OrderStatus


async def resolve_pending(ctx: Context, order_id: str) -> None:
    """Drives one PENDING order to CONFIRMED (paid: commit its stock) or FAILED."""
    async with ctx.uow() as uow:
        order = await uow.orders.get(order_id)
    if order is None or order.status is not S.PENDING:
        return
    charge = await ctx.payments.void(order_id)
    if charge.succeeded:
        try:
            await confirm(ctx, order, charge)
        except (Conflict, NotFound):
            await fail(ctx, order, code=409, reason="reservation lost before stock was committed")
        return
    code = 402 if charge.status is ChargeStatus.DECLINED else 503
    await fail(ctx, order, code=code, reason=f"interrupted; payment {charge.status.value.lower()}")


async def take_over(ctx: Context, order_id: str) -> bool:
    """Claims a PENDING order nobody is driving (its lease ran out) and finishes it as
    `resolve_pending` does. False when its lease still holds or it is no longer PENDING.

    AppError propagates (a peer down): the order stays PENDING and our lease on it ends at
    once, so the next taker (a replay, the next pass) need not wait it out."""
    now = utcnow()
    async with ctx.uow() as uow:
        won = await uow.orders.claim(
            order_id, driver_id=ctx.driver_id, now=now, until=lease_end(ctx, now)
        )
        await uow.commit()
    if not won:
        return False
    ctx.in_flight.add(order_id)  # our lease is renewed while we drive it
    try:
        await resolve_pending(ctx, order_id)
    except AppError:
        async with ctx.uow() as uow:
            await uow.orders.renew_leases([order_id], driver_id=ctx.driver_id, until=utcnow())
            await uow.commit()
        raise
    finally:
        ctx.in_flight.discard(order_id)
    return True


async def recover_once(ctx: Context, *, limit: int = 100) -> int:
    """One pass; returns how many orders it looked at."""
    cutoff = utcnow() - timedelta(seconds=ctx.settings.order_recovery_grace_seconds)
    async with ctx.uow() as uow:
        pending = await uow.orders.ids_in_status_before(S.PENDING, before=cutoff, limit=limit)
        unsettled = await uow.orders.unsettled_ids_before(
            sorted(SETTLED_BY_COMPENSATION), before=cutoff, limit=limit
        )
    seen = 0
    for order_id in pending:
        if order_id in ctx.in_flight:
            continue
        try:
            seen += await take_over(ctx, order_id)
        except AppError as exc:
            seen += 1
            log.warning("recovery_deferred", order_id=order_id, error=exc.message)
    for order_id in unsettled:
        if order_id in ctx.in_flight:
            continue
        seen += 1
        try:
            await settle(ctx, order_id)
        except AppError as exc:
            log.warning("settle_deferred", order_id=order_id, error=exc.message)
    if seen:
        log.info("recovery_pass", orders=seen)
    return seen


async def run_recovery_loop(ctx: Context, *, interval_seconds: float) -> None:
    """At start-up, then every interval, until cancelled; a failing pass is retried later."""
    await every(interval_seconds, lambda: recover_once(ctx), failed="recovery_pass_failed")
