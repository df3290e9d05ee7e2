"""REST routes: translate and delegate to the use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from shop.common.envelope import Envelope, PageEnvelope, error_responses
from shop.common.http_app import CurrentAdmin, CurrentPrincipal
from shop.orders import service
from shop.orders.context import OrderContext
from shop.orders.domain import Line
from shop.orders.placement import place_order
from shop.orders.placement_request import PlaceOrder
from shop.orders.schemas import OrderCreate, OrderRead, OrderStatusUpdate

# 401 from every route: the gateway secret is checked before any of them runs.
router = APIRouter(prefix="/orders", tags=["orders"], responses=error_responses(401))


def _ctx(request: Request) -> OrderContext:
    ctx: OrderContext = request.app.state.orders
    return ctx


# A replayed Idempotency-Key answers as the first call did, so any of these may come back.
@router.post("", status_code=201, responses=error_responses(400, 402, 403, 404, 409, 503, 504))
async def create_order(
    body: OrderCreate,
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Envelope[OrderRead]:
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
    return Envelope[OrderRead](data=OrderRead.of(order), message="Order placed")


@router.get("", responses=error_responses(400))
async def list_orders(
    request: Request,
    principal: CurrentPrincipal,
    status: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageEnvelope[OrderRead]:
    orders, total = await service.list_orders(
        ctx=_ctx(request), principal=principal, status=status, page=page, limit=limit
    )
    data = [OrderRead.of(o) for o in orders]
    return PageEnvelope[OrderRead].of(data, page=page, limit=limit, total=total)


@router.get("/{order_id}", responses=error_responses(404))
async def get_order(
    order_id: str, request: Request, principal: CurrentPrincipal
) -> Envelope[OrderRead]:
    order = await service.get_order(ctx=_ctx(request), order_id=order_id, principal=principal)
    return Envelope[OrderRead](data=OrderRead.of(order))


@router.post("/{order_id}/cancel", responses=error_responses(404, 409))
async def cancel_order(
    order_id: str, request: Request, principal: CurrentPrincipal
) -> Envelope[OrderRead]:
    order = await service.cancel_order(ctx=_ctx(request), order_id=order_id, principal=principal)
    return Envelope[OrderRead](data=OrderRead.of(order), message="Order cancelled")


@router.patch("/{order_id}/status", responses=error_responses(400, 403, 404, 409))
async def change_status(
    order_id: str, body: OrderStatusUpdate, request: Request, _: CurrentAdmin
) -> Envelope[OrderRead]:
    order = await service.change_status(ctx=_ctx(request), order_id=order_id, status=body.status)
    return Envelope[OrderRead](data=OrderRead.of(order), message="Status updated")
