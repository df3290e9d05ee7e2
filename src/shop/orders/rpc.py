"""The OrderService gRPC servicer (`start_grpc(ctx)`): translate and delegate."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from shop.common.clock import as_utc
from shop.common.grpc_server import GrpcServer, start_grpc_server, translate_errors
from shop.orders import service
from shop.orders.context import Context
from shop.orders.domain import Line, Order
from shop.orders.placement.request import PlaceOrder
from shop.orders.placement.saga import place_order
from shop.protos.shop.order.v1 import order_pb2 as pb
from shop.protos.shop.order.v1 import order_pb2_grpc

SERVICE_NAME = "shop.order.v1.OrderService"
CallContext: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


async def start_grpc(ctx: Context, *, port: int | None = None, host: str = "0.0.0.0") -> GrpcServer:
    """The gRPC server on ORDER_SERVICE_GRPC_PORT (or `port`), with the health service."""
    servicer = OrderServicer(ctx)
    return await start_grpc_server(
        port=ctx.settings.order_service_grpc_port if port is None else port,
        secrets=ctx.settings.gateway_secrets,
        register=lambda server: order_pb2_grpc.add_OrderServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
        host=host,
    )


def order_message(order: Order) -> pb.Order:
    address = order.shipping_address
    return pb.Order(
        id=order.id,
        user_id=order.user_id,
        status=order.status.value,
        items=[
            pb.OrderItem(product_id=i.product_id, quantity=i.quantity, unit_price=i.unit_price)
            for i in order.items
        ],
        total=order.total,
        shipping_address=pb.ShippingAddress(
            line1=address.get("line1") or "",
            line2=address.get("line2") or "",
            city=address.get("city") or "",
            state=address.get("state") or "",
            postal_code=address.get("postalCode") or "",
            country=address.get("country") or "",
        ),
        created_at=as_utc(order.created_at).isoformat(),
    )


class OrderServicer(order_pb2_grpc.OrderServiceServicer):
    """Callers are other services (trusted by the gateway secret), not end users."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @translate_errors("orders")
    async def CreateOrder(
        self, request: pb.CreateOrderRequest, context: CallContext
    ) -> pb.CreateOrderResponse:
        order = await place_order(
            ctx=self._ctx,
            request=PlaceOrder(
                user_id=request.user_id,
                lines=tuple(Line(i.product_id, int(i.quantity)) for i in request.items),
                shipping_address_id=request.shipping_address_id,
                payment_method=request.payment.method,
                payment_token=request.payment.token,
                idempotency_key=request.idempotency_key or None,
            ),
        )
        return pb.CreateOrderResponse(order=order_message(order))

    @translate_errors("orders")
    async def GetOrder(
        self, request: pb.GetOrderRequest, context: CallContext
    ) -> pb.GetOrderResponse:
        order = await service.get_order(ctx=self._ctx, order_id=request.order_id)
        return pb.GetOrderResponse(order=order_message(order))

    @translate_errors("orders")
    async def UpdateOrderStatus(
        self, request: pb.UpdateOrderStatusRequest, context: CallContext
    ) -> pb.UpdateOrderStatusResponse:
        order = await service.change_status(
            ctx=self._ctx, order_id=request.order_id, status=request.status
        )
        return pb.UpdateOrderStatusResponse(order=order_message(order))
