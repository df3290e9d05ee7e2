"""Idempotent placement: what a placement answers, and a replayed key's first result."""

from __future__ import annotations

import asyncio

from shop.common.clock import utcnow
from shop.common.errors import (
    AppError,
    Conflict,
    NotFound,
    PaymentRequired,
    ServiceUnavailable,
)
from shop.common.logging import get_logger
from shop.orders.context import Context
from shop.orders.domain import Order, OrderStatus
from shop.orders.leases import abandoned
from shop.orders.placement.request import PlaceOrder
from shop.orders.recovery import take_over

log = get_logger("shop.orders.placement")
# A takeover that found a peer down is tried again after this, not at every poll.
_TAKEOVER_RETRY_SECONDS = 1.0

S = OrderStatus
_FAILURES: dict[int, type[AppError]] = {
    402: PaymentRequired,
    404: NotFound,
    409: Conflict,
    503: ServiceUnavailable,
}


async def outcome(ctx: Context, order_id: str) -> Order:
    """What a placement answers for an order: the order, or the error it ended with."""
    async with ctx.uow() as uow:
        order = await uow.orders.get(order_id)
    if order is None:  # pragma: no cover - orders are never deleted
        raise NotFound("Order not found")
    if order.status is S.FAILED:
        error = _FAILURES.get(order.failure_code or 503, ServiceUnavailable)
        raise error(f"Order {order.id} failed: {order.failure_reason or 'unknown reason'}")
    if order.status is S.PENDING:
        raise ServiceUnavailable(
            f"Order {order.id} is still being processed; retry with the same Idempotency-Key"
        )
    return order


async def replay(ctx: Context, request: PlaceOrder, digest: str) -> Order | None:
    """The first result for this user's key, waiting for a twin still in flight; a twin
    whose driver died (its lease ran out) is finished here, as recovery would."""
    assert request.idempotency_key is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.settings.idempotency_wait_seconds
    while True:
        async with ctx.uow() as uow:
            first = await uow.orders.find_by_key(request.user_id, request.idempotency_key)
        if first is None:
            return None
        if first.request_hash != digest:
            raise Conflict(
                "Idempotency-Key was already used with a different request",
                errors=[{"path": "Idempotency-Key", "message": "reused with another body"}],
            )
        if first.status is not S.PENDING or loop.time() >= deadline:
            return await outcome(ctx, first.id)
        if first.id not in ctx.in_flight and abandoned(first, utcnow()):
            try:
                await take_over(ctx, first.id)
                continue  # read what it ended as
            except AppError as exc:  # a peer is down: try again a little later
                log.warning("takeover_deferred", order_id=first.id, error=exc.message)
                await asyncio.sleep(_TAKEOVER_RETRY_SECONDS)
        await asyncio.sleep(0.05)
