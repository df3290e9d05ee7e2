"""REST routes: translate and delegate to the use cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from shop.common.envelope import page_meta, success
from shop.common.http_app import CurrentAdmin, CurrentPrincipal
from shop.orders import service
from shop.orders.context import OrderContext
from shop.orders.domain import Line
from shop.orders.placement import place_order
from shop.orders.placement_request import PlaceOrder
from shop.orders.schemas import OrderCreate, OrderRead, OrderStatusUpdate

router = APIRouter(prefix="/orders", tags=["orders"])


def _ctx(request: Request) -> OrderContext:
    ctx: OrderContext = request.app.state.orders
    return ctx


@router.post("", status_code=201)
async def create_order(
    body: OrderCreate,
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    order = await place_order(
        ctx=_ctx(request),
        request=PlaceOrder(
            user_id=principal.user_id,
            lines=tuple(Line(i.product_id, i.quantity) for i in body.items),
            shipping_address_id=body.shipping_address_id,
            payment_method=body.payment.method,
            payment_token=body.payment.token,
            idempotency_key=idempotency_key or None,
        ),
    )
    return success(OrderRead.of(order).body(), "Order placed")


@router.get("")
async def list_orders(
    request: Request,
    principal: CurrentPrincipal,
    status: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    orders, total = await service.list_orders(
        ctx=_ctx(request), principal=principal, status=status, page=page, limit=limit
    )
    return success(
        [OrderRead.of(o).body() for o in orders],
        meta=page_meta(page=page, limit=limit, total=total),
    )


@router.get("/{order_id}")
async def get_order(order_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    order = await service.get_order(ctx=_ctx(request), order_id=order_id, principal=principal)
    return success(OrderRead.of(order).body())


@router.post("/{order_id}/cancel")
async def cancel_order(
    order_id: str, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    order = await service.cancel_order(ctx=_ctx(request), order_id=order_id, principal=principal)
    return success(OrderRead.of(order).body(), "Order cancelled")


@router.patch("/{order_id}/status")
async def change_status(
    order_id: str, body: OrderStatusUpdate, request: Request, _: CurrentAdmin
) -> dict[str, Any]:
    order = await service.change_status(ctx=_ctx(request), order_id=order_id, status=body.status)
    return success(OrderRead.of(order).body(), "Status updated")
