"""The gRPC ProductService, built from the context: translate messages to use cases and
back; `start_grpc(ctx)` serves it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

import grpc
import orjson

from shop.common.grpc_batch import answer_each, status_number
from shop.common.grpc_server import (
    GrpcServer,
    MethodRecord,
    start_grpc_server,
    translate_errors,
)
from shop.products import service
from shop.products.context import Context as ProductContext
from shop.products.domain import Product, Reservation, ReservationStatus
from shop.protos.shop.product.v1 import product_pb2 as pb
from shop.protos.shop.product.v1 import product_pb2_grpc

SERVICE_NAME = "shop.product.v1.ProductService"
_STATUS = {
    ReservationStatus.RESERVED: pb.RESERVATION_STATUS_RESERVED,
    ReservationStatus.COMMITTED: pb.RESERVATION_STATUS_COMMITTED,
    ReservationStatus.RELEASED: pb.RESERVATION_STATUS_RELEASED,
    ReservationStatus.EXPIRED: pb.RESERVATION_STATUS_EXPIRED,
}
Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
R = TypeVar("R")
# A batch's items are counted and logged as the unary calls they stand for.
_RESERVE = MethodRecord("products", "ReserveInventory")
_REDUCE = MethodRecord("products", "ReduceInventory")


class ProductServicer(product_pb2_grpc.ProductServiceServicer):
    def __init__(self, ctx: ProductContext) -> None:
        self._store = ctx.store
        self._ttl = ctx.settings.reservation_ttl_seconds

    @translate_errors("products")
    async def GetProduct(self, request: pb.GetProductRequest, _: Context) -> pb.GetProductResponse:
        product = await service.get_product(store=self._store, product_id=request.product_id)
        return pb.GetProductResponse(product=product_message(product))

    @translate_errors("products")
    async def CheckInventory(
        self, request: pb.CheckInventoryRequest, _: Context
    ) -> pb.CheckInventoryResponse:
        lines = service.merge_lines((i.product_id, i.quantity) for i in request.items)
        report = await service.check_inventory(store=self._store, lines=lines)
        return pb.CheckInventoryResponse(
            all_available=all(a.in_stock for a in report),
            items=[
                pb.ItemAvailability(
                    product_id=a.product_id,
                    requested=a.requested,
                    available=a.available,
                    in_stock=a.in_stock,
                    unit_price=a.product.price if a.product else 0,
                    found=a.product is not None,
                    name=a.product.name if a.product else "",
                )
                for a in report
            ],
        )

    @translate_errors("products")
    async def ReserveInventory(
        self, request: pb.ReserveInventoryRequest, _: Context
    ) -> pb.ReserveInventoryResponse:
        return await self._reserve(request)

    @translate_errors("products")
    async def ReserveInventoryBatch(
        self, request: pb.ReserveInventoryBatchRequest, _: Context
    ) -> pb.ReserveInventoryBatchResponse:
        return await _answer_batch(
            request, self._reserve, _RESERVE, pb.ReserveInventoryBatchResponse()
        )

    async def _reserve(self, request: pb.ReserveInventoryRequest) -> pb.ReserveInventoryResponse:
        lines = service.merge_lines((i.product_id, i.quantity) for i in request.items)
        reservation, products = await service.reserve_inventory(
            store=self._store,
            order_id=request.order_id,
            lines=lines,
            ttl_seconds=request.ttl_seconds or self._ttl,
        )
        reply = pb.ReserveInventoryResponse()
        fill_reservation(reply.reservation, reservation)
        for p in products.values():
            reply.prices.add(product_id=p.id, unit_price=p.price, name=p.name)
        return reply

    @translate_errors("products")
    async def ReduceInventory(
        self, request: pb.ReduceInventoryRequest, _: Context
    ) -> pb.ReduceInventoryResponse:
        return await self._reduce(request)

    @translate_errors("products")
    async def ReduceInventoryBatch(
        self, request: pb.ReduceInventoryBatchRequest, _: Context
    ) -> pb.ReduceInventoryBatchResponse:
        return await _answer_batch(
            request, self._reduce, _REDUCE, pb.ReduceInventoryBatchResponse()
        )

    async def _reduce(self, request: pb.ReduceInventoryRequest) -> pb.ReduceInventoryResponse:
        reservation = await service.commit_reservation(store=self._store, order_id=request.order_id)
        reply = pb.ReduceInventoryResponse()
        fill_reservation(reply.reservation, reservation)
        return reply

    @translate_errors("products")
    async def ReleaseInventory(
        self, request: pb.ReleaseInventoryRequest, _: Context
    ) -> pb.ReleaseInventoryResponse:
        reservation = await service.release_reservation(
            store=self._store, order_id=request.order_id
        )
        reply = pb.ReleaseInventoryResponse()
        fill_reservation(reply.reservation, reservation)
        return reply


async def _answer_batch(
    request: Any, handle: Callable[[Any], Awaitable[Any]], record: MethodRecord, reply: R
) -> R:
    """`reply` with each item of `request` answered as its own call: its status and, when
    OK, its response."""
    outcomes = await answer_each(request.requests, request.request_ids, handle, record=record)
    for outcome in outcomes:
        item = reply.outcomes.add()  # type: ignore[attr-defined]
        item.status.code, item.status.message = status_number(outcome.code), outcome.details
        if outcome.response is not None:
            item.response.CopyFrom(outcome.response)
    return reply


def product_message(product: Product) -> pb.Product:
    return pb.Product(
        id=product.id,
        name=product.name,
        description=product.description,
        price=product.price,
        category=product.category,
        sku=product.sku,
        stock=product.stock,
        low_stock_threshold=product.low_stock_threshold,
        attributes_json=orjson.dumps(product.attributes).decode(),
        created_at=product.created_at.isoformat(),
    )


def fill_reservation(message: pb.Reservation, reservation: Reservation) -> None:
    """Writes the reservation into the reply's own field: a message built apart and passed
    to the reply's constructor is copied into it, a third of the reply's CPU."""
    message.reservation_id = reservation.id
    message.order_id = reservation.order_id
    message.status = _STATUS[reservation.status]
    for item in reservation.items:
        message.items.add(product_id=item.product_id, quantity=item.quantity)
    message.expires_at = reservation.expires_at.isoformat()


async def start_grpc(
    ctx: ProductContext, *, port: int | None = None, host: str = "0.0.0.0"
) -> GrpcServer:
    """The gRPC server on PRODUCT_SERVICE_GRPC_PORT (or `port`), with the health service."""
    servicer = ProductServicer(ctx)
    return await start_grpc_server(
        port=ctx.settings.product_service_grpc_port if port is None else port,
        secrets=ctx.settings.gateway_secrets,
        register=lambda server: product_pb2_grpc.add_ProductServiceServicer_to_server(
            servicer, server
        ),
        service_names=[SERVICE_NAME],
        host=host,
    )
