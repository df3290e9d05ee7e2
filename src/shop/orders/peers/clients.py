"""Typed wrappers over the UserService and ProductService stubs."""

from __future__ import annotations

from typing import Any

import grpc

from shop.common.grpc_batch import Outcome, status_code
from shop.common.grpc_coalescer import Coalescer
from shop.orders.domain import Availability, Line, Price
from shop.orders.peers.calls import Peer
from shop.protos.shop.product.v1 import product_pb2 as ppb
from shop.protos.shop.product.v1 import product_pb2_grpc as pgrpc
from shop.protos.shop.user.v1 import user_pb2 as upb
from shop.protos.shop.user.v1 import user_pb2_grpc as ugrpc


class UserClient:
    def __init__(self, channel: grpc.aio.Channel, peer: Peer) -> None:
        self._stub = ugrpc.UserServiceStub(channel)
        self.peer = peer
        self._validate = Coalescer(self._validate_batch, self._stub.ValidateUser)

    async def validate_user(self, user_id: str, address_id: str = "") -> upb.ValidateUserResponse:
        """Whether the user may order; with address_id, that address in the same answer
        (`address` unset when it is not theirs, or the user service predates the field)."""
        request = upb.ValidateUserRequest(user_id=user_id, address_id=address_id)
        return await self.peer.call(self._validate, request, idempotent=True)

    async def _validate_batch(
        self,
        requests: list[upb.ValidateUserRequest],
        request_ids: list[str],
        seconds_left: float | None,
    ) -> list[Outcome[upb.ValidateUserResponse]]:
        batch = upb.ValidateUsersRequest(requests=requests, request_ids=request_ids)
        reply: upb.ValidateUsersResponse = await self._stub.ValidateUsers(
            batch, timeout=seconds_left
        )
        return [Outcome(response) for response in reply.responses]

    async def addresses(self, user_id: str) -> list[upb.Address]:
        request = upb.GetUserAddressesRequest(user_id=user_id)
        response: upb.GetUserAddressesResponse = await self.peer.call(
            self._stub.GetUserAddresses, request, idempotent=True
        )
        return list(response.addresses)


def _items(lines: tuple[Line, ...]) -> list[ppb.Item]:
    return [ppb.Item(product_id=line.product_id, quantity=line.quantity) for line in lines]


class ProductClient:
    """Reserve, Reduce and Release are idempotent by order id on the product side."""

    def __init__(self, channel: grpc.aio.Channel, peer: Peer) -> None:
        self._stub = pgrpc.ProductServiceStub(channel)
        self.peer = peer
        self._reserve = Coalescer(self._reserve_batch, self._stub.ReserveInventory)
        self._reduce = Coalescer(self._reduce_batch, self._stub.ReduceInventory)

    async def check(self, lines: tuple[Line, ...]) -> list[Availability]:
        request = ppb.CheckInventoryRequest(items=_items(lines))
        response: ppb.CheckInventoryResponse = await self.peer.call(
            self._stub.CheckInventory, request, idempotent=True
        )
        return [
            Availability(
                product_id=i.product_id,
                requested=i.requested,
                available=i.available,
                in_stock=i.in_stock,
                unit_price=i.unit_price,
                found=i.found,
                name=i.name,
            )
            for i in response.items
        ]

    async def reserve(
        self, *, order_id: str, lines: tuple[Line, ...], ttl_seconds: int
    ) -> list[Price]:
        request = ppb.ReserveInventoryRequest(
            order_id=order_id, items=_items(lines), ttl_seconds=ttl_seconds
        )
        response: ppb.ReserveInventoryResponse = await self.peer.call(
            self._reserve, request, idempotent=True
        )
        return [Price(p.product_id, p.unit_price, p.name) for p in response.prices]

    async def reduce(self, order_id: str) -> None:
        request = ppb.ReduceInventoryRequest(order_id=order_id)
        await self.peer.call(self._reduce, request, idempotent=True)

    async def _reserve_batch(
        self,
        requests: list[ppb.ReserveInventoryRequest],
        request_ids: list[str],
        seconds_left: float | None,
    ) -> list[Outcome[ppb.ReserveInventoryResponse]]:
        batch = ppb.ReserveInventoryBatchRequest(requests=requests, request_ids=request_ids)
        reply = await self._stub.ReserveInventoryBatch(batch, timeout=seconds_left)
        return _outcomes(reply.outcomes)

    async def _reduce_batch(
        self,
        requests: list[ppb.ReduceInventoryRequest],
        request_ids: list[str],
        seconds_left: float | None,
    ) -> list[Outcome[ppb.ReduceInventoryResponse]]:
        batch = ppb.ReduceInventoryBatchRequest(requests=requests, request_ids=request_ids)
        reply = await self._stub.ReduceInventoryBatch(batch, timeout=seconds_left)
        return _outcomes(reply.outcomes)

    async def release(self, order_id: str) -> None:
        request = ppb.ReleaseInventoryRequest(order_id=order_id)
        await self.peer.call(self._stub.ReleaseInventory, request, idempotent=True)


def _outcomes(items: Any) -> list[Outcome[Any]]:
    """A batch's items as outcomes: the response when OK, else the item's status."""
    return [
        Outcome(i.response)
        if i.status.code == 0
        else Outcome(None, status_code(i.status.code), i.status.message)
        for i in items
    ]
