"""Placing an order: the saga from validation to CONFIRMED (or FAILED, compensated)."""

from __future__ import annotations

from shop.common.errors import (
    AppError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    UpstreamTimeout,
    ValidationFailed,
)
from shop.orders.context import Context
from shop.orders.domain import PLACED_REASON, IdempotencyKeyTaken, Order, merge_lines
from shop.orders.placement.checks import new_order, release_unplaced
from shop.orders.placement.replay import outcome, replay
from shop.orders.placement.request import PlaceOrder, check_ids, request_hash
from shop.orders.settlement.compensation import fail
from shop.orders.settlement.confirm import confirm


async def place_order(*, ctx: Context, request: PlaceOrder) -> Order:
    """The CONFIRMED order, or the AppError the contract prescribes (402, 409, ...)."""
    if not request.lines:
        raise ValidationFailed("Order has no items", errors=[{"path": "items", "message": "empty"}])
    ctx.payments.check_token(request.payment_method, request.payment_token)
    check_ids(request)
    lines = merge_lines(list(request.lines))
    digest = request_hash(request)
    try:
        order = await new_order(ctx, request, lines, digest)
    except AppError:
        # A replay answers with the first result even if validating it again fails now
        # (stock sold out since, a peer down): only then is the key worth a look-up.
        first = await replay(ctx, request, digest) if request.idempotency_key else None
        if first is None:
            raise
        return first
    try:
        async with ctx.uow() as uow:
            # The stock is held (under this order's id) but nothing is charged yet: from
            # this commit on, recovery finishes the order if we crash. The unique (user,
            # key) constraint is the idempotency check: a replay (or a twin racing us)
            # fails this insert and gives back the reservation it took.
            await uow.orders.add(order, reason=PLACED_REASON)
            await uow.commit()
    except IdempotencyKeyTaken:
        await release_unplaced(ctx, order.id)
        # The key was used before, or a concurrent request with it won: answer as it does.
        first = await replay(ctx, request, digest) if request.idempotency_key else None
        if first is None:  # pragma: no cover - the unique key is the only constraint
            raise
        return first
    ctx.in_flight.add(order.id)
    try:
        confirmed = await _run_saga(ctx, order, request.payment_token)
    finally:
        ctx.in_flight.discard(order.id)
    # The order as we confirmed it is what a read would return; any other end is read back.
    return confirmed or await outcome(ctx, order.id)


async def _run_saga(ctx: Context, order: Order, token: str) -> Order | None:
    """The CONFIRMED order if this request confirmed it; None for any other end."""
    ctx.faults.reached("after_reserve")
    charge = await ctx.payments.charge(order_id=order.id, amount=order.total, token=token)
    ctx.faults.reached("after_payment")
    if not charge.succeeded:
        await fail(ctx, order, code=402, reason=f"payment {charge.status.value.lower()}")
        return None
    try:
        return await confirm(ctx, order, charge)
    except (Conflict, NotFound):
        # The reservation expired or was released under us: the charge is refunded.
        await fail(ctx, order, code=409, reason="reservation lost before stock was committed")
    except (ServiceUnavailable, UpstreamTimeout):
        # Paid, stock not yet committed: the order stays PENDING and the recovery loop
        # finishes it (ReduceInventory is idempotent); a replay then answers with the result.
        pass
    return None
