"""Order use cases other than placement: read, list, cancel, admin status moves."""

from __future__ import annotations

from shop.common.errors import Conflict, NotFound, ValidationFailed
from shop.common.tokens import Principal
from shop.orders.context import Context
from shop.orders.domain import (
    Order,
    OrderStatus,
    can_transition,
    is_plausible_id,
    parse_status,
)
from shop.orders.events import OrderCancelled, OrderStatusChanged
from shop.orders.settlement.compensation import fail, settle
from shop.orders.status_moves import move_status

S = OrderStatus


def _visible(order: Order | None, principal: Principal | None) -> Order:
    # Another user's order is reported as missing: its existence is not theirs to know.
    if order is None or (
        principal is not None and principal.role != "admin" and order.user_id != principal.user_id
    ):
        raise NotFound("Order not found")
    return order


async def get_order(*, ctx: Context, order_id: str, principal: Principal | None = None) -> Order:
    """The order, if the principal owns it or is an admin (None: a trusted internal caller)."""
    if not is_plausible_id(order_id):
        raise NotFound("Order not found")
    async with ctx.uow() as uow:
        return _visible(await uow.orders.get(order_id), principal)


def _parse_status(value: str) -> OrderStatus:
    status = parse_status(value)
    if status is None:
        raise ValidationFailed(
            "Unknown status",
            errors=[{"path": "status", "message": f"one of {', '.join(s.value for s in S)}"}],
        )
    return status


async def list_orders(
    *, ctx: Context, principal: Principal, status: str | None, page: int, limit: int
) -> tuple[list[Order], int]:
    """The caller's own orders (an admin's: everyone's), newest first."""
    async with ctx.uow() as uow:
        return await uow.orders.page(
            user_id=None if principal.role == "admin" else principal.user_id,
            status=_parse_status(status) if status else None,
            offset=(page - 1) * limit,
            limit=limit,
        )


async def cancel_order(*, ctx: Context, order_id: str, principal: Principal | None = None) -> Order:
    """PENDING/CONFIRMED -> CANCELLED with order.cancelled; the stock goes back, the charge
    is refunded (by the recovery loop if a peer is down right now)."""
    order = await get_order(ctx=ctx, order_id=order_id, principal=principal)
    if not can_transition(order.status, S.CANCELLED):
        raise Conflict(f"An order in status {order.status.value} cannot be cancelled")
    by_admin = principal is None or principal.role == "admin"
    won = await move_status(
        ctx,
        order.id,
        expected=order.status,
        target=S.CANCELLED,
        reason="cancelled by " + ("admin" if by_admin else "customer"),
        event=OrderCancelled(
            order_id=order.id,
            user_id=order.user_id,
            email=order.user_email,
            from_status=order.status.value,
            total=order.total,
        ),
    )
    if not won:
        raise Conflict("The order changed meanwhile; read it again")
    await settle(ctx, order.id)
    return await get_order(ctx=ctx, order_id=order.id)


async def change_status(*, ctx: Context, order_id: str, status: str) -> Order:
    """An admin's move along the state machine; an illegal move is a 409."""
    target = _parse_status(status)
    order = await get_order(ctx=ctx, order_id=order_id)
    if not can_transition(order.status, target):
        raise Conflict(f"Illegal status change {order.status.value} -> {target.value}")
    if target is S.CANCELLED:
        return await cancel_order(ctx=ctx, order_id=order_id)
    if order.status is S.PENDING:
        if target is S.CONFIRMED:
            # No confirmed order may lack its payment and stock: only the saga confirms.
            raise Conflict("A pending order is confirmed by its payment, not by hand")
        await fail(ctx, order, code=409, reason="failed by admin")
        return await get_order(ctx=ctx, order_id=order_id)
    won = await move_status(
        ctx,
        order.id,
        expected=order.status,
        target=target,
        reason="set by admin",
        event=OrderStatusChanged.of(order, from_status=order.status, to=target),
    )
    if not won:
        raise Conflict("The order changed meanwhile; read it again")
    return await get_order(ctx=ctx, order_id=order_id)
