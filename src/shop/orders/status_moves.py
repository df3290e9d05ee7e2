"""`move_status`: the one way an order changes status after it is placed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from shop.common.events import DomainEvent
from shop.orders.context import Context
from shop.orders.domain import OrderStatus
from shop.orders.ports import OrderUnitOfWork


async def move_status(
    ctx: Context,
    order_id: str,
    *,
    expected: OrderStatus,
    target: OrderStatus,
    reason: str,
    event: DomainEvent,
    failure_code: int | None = None,
    now: datetime | None = None,
    along: Callable[[OrderUnitOfWork], Awaitable[None]] | None = None,
) -> bool:
    """Compare-and-set `expected` -> `target`, then (only if this call won) `along` and the
    event, committed in one transaction. False when someone else moved the order first.

    The compare-and-set is what makes concurrent deciders (a live request, the recovery
    loop on any replica, a cancellation) safe: exactly one of them wins.
    """
    async with ctx.uow() as uow:
        won = await uow.orders.move(
            order_id,
            expected=expected,
            target=target,
            reason=reason,
            failure_code=failure_code,
            now=now,
        )
        if won:
            if along is not None:
                await along(uow)
            uow.emit(event)
        await uow.commit()
    return won
