"""`move_status`: the one way an order changes status after it is placed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from shop.common.events import DomainEvent
from shop.orders.context import Context
from shop.orders.domain import OrderStatus, StatusMove
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
    at: datetime | None = None,
    along: Callable[[OrderUnitOfWork], Awaitable[None]] | None = None,
) -> bool:
    """Compare-and-set `expected` -> `target`, with (only if this call won) what `along`
    records and the event, committed in one transaction. False when someone else moved the
    order first. `along` runs before the move and must only record (`uow.payments`).

    The compare-and-set is what makes concurrent deciders (a live request, the recovery
    loop on any replica, a cancellation) safe: exactly one of them wins.
    """
    async with ctx.uow() as uow:
        # Recorded first and written only if the move wins: on PostgreSQL the move, its
        # history entry, `along`'s records and the event are then one statement.
        if along is not None:
            await along(uow)
        uow.emit(event)
        return await uow.commit_move(
            StatusMove(order_id, expected, target, reason, failure_code, at)
        )
