"""Canned gRPC answers of the user and product services, for bench.orders_place_cpu only.

Every user is valid and owns the address it asks for; every reservation succeeds at one
price. They cost little and run in the bench's driver process, so the order service's CPU
is measured alone (the way tests fake the payment provider, never as the real peers).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc

from shop.common.publisher import connect, declare_exchange
from shop.notifications.events import EVENT_TYPES
from shop.protos.shop.product.v1 import product_pb2 as ppb
from shop.protos.shop.product.v1 import product_pb2_grpc as pgrpc
from shop.protos.shop.user.v1 import user_pb2 as upb
from shop.protos.shop.user.v1 import user_pb2_grpc as ugrpc

UNIT_PRICE = 2599
_RESERVED = ppb.ReservationStatus.RESERVATION_STATUS_RESERVED
_COMMITTED = ppb.ReservationStatus.RESERVATION_STATUS_COMMITTED
_RELEASED = ppb.ReservationStatus.RESERVATION_STATUS_RELEASED


class CannedUsers(ugrpc.UserServiceServicer):
    async def ValidateUser(self, request: Any, context: Any) -> upb.ValidateUserResponse:
        return upb.ValidateUserResponse(
            valid=True,
            user=upb.User(id=request.user_id, email="shopper@example.com", role="user"),
            address=upb.Address(
                id=request.address_id,
                line1="1 Main Street",
                city="Springfield",
                postal_code="12345",
                country="US",
                is_default=True,
            ),
        )

    async def ValidateUsers(self, request: Any, context: Any) -> upb.ValidateUsersResponse:
        """The batch form, as the order service sends its calls."""
        answers = [await self.ValidateUser(r, context) for r in request.requests]
        return upb.ValidateUsersResponse(responses=answers)


class CannedProducts(pgrpc.ProductServiceServicer):
    async def ReserveInventory(self, request: Any, context: Any) -> ppb.ReserveInventoryResponse:
        return ppb.ReserveInventoryResponse(
            reservation=ppb.Reservation(
                order_id=request.order_id, status=_RESERVED, items=request.items
            ),
            prices=[
                ppb.ReservedPrice(product_id=i.product_id, unit_price=UNIT_PRICE, name="Widget")
                for i in request.items
            ],
        )

    async def ReduceInventory(self, request: Any, context: Any) -> ppb.ReduceInventoryResponse:
        reservation = ppb.Reservation(order_id=request.order_id, status=_COMMITTED)
        return ppb.ReduceInventoryResponse(reservation=reservation)

    async def ReserveInventoryBatch(
        self, request: Any, context: Any
    ) -> ppb.ReserveInventoryBatchResponse:
        reply = ppb.ReserveInventoryBatchResponse()
        for item in request.requests:
            reply.outcomes.add().response.CopyFrom(await self.ReserveInventory(item, context))
        return reply

    async def ReduceInventoryBatch(
        self, request: Any, context: Any
    ) -> ppb.ReduceInventoryBatchResponse:
        reply = ppb.ReduceInventoryBatchResponse()
        for item in request.requests:
            reply.outcomes.add().response.CopyFrom(await self.ReduceInventory(item, context))
        return reply

    async def ReleaseInventory(self, request: Any, context: Any) -> ppb.ReleaseInventoryResponse:
        reservation = ppb.Reservation(order_id=request.order_id, status=_RELEASED)
        return ppb.ReleaseInventoryResponse(reservation=reservation)


async def start_fake_peers(port: int) -> grpc.aio.Server:
    """Both fakes on one loopback port (the order service may dial one address for both)."""
    server = grpc.aio.server()
    # The stubs mark every RPC abstract; the fakes serve the ones placing an order calls.
    ugrpc.add_UserServiceServicer_to_server(CannedUsers(), server)  # type: ignore[abstract]
    pgrpc.add_ProductServiceServicer_to_server(CannedProducts(), server)  # type: ignore[abstract]
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


@contextlib.asynccontextmanager
async def subscribed_events(rabbitmq_url: str) -> AsyncIterator[None]:
    """A queue bound to every event type, as the worker's is, that keeps nothing.

    Without a subscriber the broker hands each mandatory publish back (basic.return and the
    whole message), work the order service does not do in the platform; a queue of length 0
    routes every event and drops it (the publisher's confirm is the same).
    """
    connection = await connect(rabbitmq_url, within_seconds=5)
    try:
        channel = await connection.channel()
        exchange = await declare_exchange(channel)
        queue = await channel.declare_queue(
            exclusive=True, auto_delete=True, arguments={"x-max-length": 0}
        )
        for routing_key in EVENT_TYPES:
            await queue.bind(exchange, routing_key=routing_key)
        yield
    finally:
        await connection.close()
