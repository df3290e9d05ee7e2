"""The REST app (`create_app(ctx)`) and its thin routes: translate and delegate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from shop.common.envelope import Envelope, PageEnvelope, error_responses
from shop.common.http_app import (
    CurrentAdmin,
    CurrentPrincipal,
    context_dependency,
    create_service_app,
)
from shop.common.http_hot_route import with_hot_route
from shop.common.readiness import database_probe, grpc_health_probe, service_checks
from shop.common.service_lifespan import Loop, service_lifespan
from shop.orders import service
from shop.orders.context import Context
from shop.orders.leases import run_lease_keeper
from shop.orders.place_route import IDEMPOTENCY_KEY_MAX, lean_place, place
from shop.orders.recovery import run_recovery_loop
from shop.orders.schemas import OrderCreate, OrderRead, OrderStatusUpdate

# 401 from every route: the gateway secret is checked before any of them runs.
router = APIRouter(prefix="/orders", tags=["orders"], responses=error_responses(401))
Ctx = Annotated[Context, Depends(context_dependency(Context))]


def create_app(ctx: Context, *, background: bool = True) -> ASGIApp:
    """The REST app, POST /orders on its lean path; its lifespan renews the order leases and
    (`background`) runs the outbox relay and the recovery loop."""
    assert ctx.engine is not None, "the REST app serves a real database"
    settings, engine = ctx.settings, ctx.engine

    async def start() -> list[Loop]:
        interval = settings.order_recovery_interval_seconds
        return [run_recovery_loop(ctx, interval_seconds=interval)]

    app = create_service_app(
        service="orders",
        gateway_secrets=settings.gateway_secrets,
        routers=[router],
        lifespan=service_lifespan(
            relay=ctx.outbox_relay,
            start=start,
            background=background,
            # Renewing the leases is part of driving orders: it runs even without the others.
            always=lambda: [run_lease_keeper(ctx)],
        ),
        checks=service_checks(
            database=database_probe(engine),
            rabbitmq_url=settings.rabbitmq_url,
            peers=[(name, grpc_health_probe(channel)) for name, channel in ctx.channels.items()],
        ),
        context=ctx,
    )
    # The hot route: FastAPI's share of an order's CPU (routing, dependencies, body) was a
    # quarter of the service's; the lean path keeps its contract and skips that machinery.
    hot = next(r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is create_order)
    return with_hot_route(app, route=hot, prepare=lean_place(ctx))


# A replayed Idempotency-Key answers as the first call did, so any of these may come back.
# The 201 body is documented by response_model and serialised once by its own model: FastAPI
# would validate the returned envelope against that model again before serialising it.
# The lean path (place_route.lean_place) answers the requests this would place an order for.
@router.post(
    "",
    status_code=201,
    response_model=Envelope[OrderRead],
    responses=error_responses(400, 402, 403, 404, 409, 503, 504),
)
async def create_order(
    body: OrderCreate,
    ctx: Ctx,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=IDEMPOTENCY_KEY_MAX)] = None,
) -> Response:
    return await place(ctx, user_id=principal.user_id, body=body, idempotency_key=idempotency_key)


@router.get("", responses=error_responses(400))
async def list_orders(
    ctx: Ctx,
    principal: CurrentPrincipal,
    status: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageEnvelope[OrderRead]:
    orders, total = await service.list_orders(
        ctx=ctx, principal=principal, status=status, page=page, limit=limit
    )
    data = [OrderRead.of(o) for o in orders]
    return PageEnvelope[OrderRead].of(data, page=page, limit=limit, total=total)


@router.get("/{order_id}", responses=error_responses(404))
async def get_order(order_id: str, ctx: Ctx, principal: CurrentPrincipal) -> Envelope[OrderRead]:
    order = await service.get_order(ctx=ctx, order_id=order_id, principal=principal)
    return Envelope[OrderRead](data=OrderRead.of(order))


@router.post("/{order_id}/cancel", responses=error_responses(404, 409))
async def cancel_order(order_id: str, ctx: Ctx, principal: CurrentPrincipal) -> Envelope[OrderRead]:
    order = await service.cancel_order(ctx=ctx, order_id=order_id, principal=principal)
    return Envelope[OrderRead](data=OrderRead.of(order), message="Order cancelled")


@router.patch("/{order_id}/status", responses=error_responses(400, 403, 404, 409))
async def change_status(
    order_id: str, body: OrderStatusUpdate, ctx: Ctx, _: CurrentAdmin
) -> Envelope[OrderRead]:
    order = await service.change_status(ctx=ctx, order_id=order_id, status=body.status)
    return Envelope[OrderRead](data=OrderRead.of(order), message="Status updated")
