"""In-process gRPC test doubles of the user and product services (another team's code).

They follow the protos' documented semantics: Reserve holds all or none and is idempotent
by order id, Reduce commits a live reservation, Release returns reserved or sold units.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

import grpc

from shop.protos.shop.product.v1 import product_pb2 as ppb
from shop.protos.shop.product.v1 import product_pb2_grpc as pgrpc
from shop.protos.shop.user.v1 import user_pb2 as upb
from shop.protos.shop.user.v1 import user_pb2_grpc as ugrpc

RS = ppb.ReservationStatus


class AbortingContext(Protocol):
    """The part of grpc.aio's servicer context the fakes lean on: abort never returns."""

    async def abort(self, code: grpc.StatusCode, details: str) -> NoReturn: ...


class _ItemAborted(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code, self.details = code, details


class _ItemContext:
    """A batch item's context: its abort ends that item alone, as its own call would end."""

    async def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise _ItemAborted(code, details)


async def _answer_each(handle: Any, requests: Any, into: Any) -> None:
    """A batch answered item by item, one after another, into the reply's outcomes."""
    for request in requests:
        item = into.add()
        try:
            item.response.CopyFrom(await handle(request, _ItemContext()))
        except _ItemAborted as aborted:
            item.ClearField("response")
            item.status.code, item.status.message = aborted.code.value[0], aborted.details


@dataclass
class Stock:
    price: int
    stock: int
    reserved: int = 0
    sold: int = 0


@dataclass
class World:
    """The fakes' shared state; tests read and poke it directly."""

    users: dict[str, str] = field(default_factory=dict)  # id -> email
    addresses: dict[str, list[upb.Address]] = field(default_factory=dict)
    products: dict[str, Stock] = field(default_factory=dict)
    reservations: dict[str, tuple[ppb.ReservationStatus.ValueType, list[tuple[str, int]]]] = field(
        default_factory=dict
    )
    product_down: bool = False
    down_methods: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def new_user(self) -> tuple[str, str]:
        user_id, address_id = uuid.uuid4().hex, uuid.uuid4().hex
        self.users[user_id] = f"{user_id[:8]}@example.com"
        self.addresses[user_id] = [
            upb.Address(
                id=address_id,
                line1="1 Main St",
                city="Town",
                postal_code="12345",
                country="US",
                is_default=True,
            )
        ]
        return user_id, address_id

    def held(self) -> set[str]:
        """Order ids of the reservations that still hold units (reserved or sold)."""
        live = {RS.RESERVATION_STATUS_RESERVED, RS.RESERVATION_STATUS_COMMITTED}
        return {order_id for order_id, (status, _) in self.reservations.items() if status in live}

    def new_product(self, *, price: int = 1000, stock: int = 10) -> str:
        product_id = uuid.uuid4().hex
        self.products[product_id] = Stock(price=price, stock=stock)
        return product_id

    def invariant_holds(self, product_id: str, stocked: int) -> bool:
        p = self.products[product_id]
        return p.stock >= 0 and p.stock + p.reserved + p.sold == stocked


class FakeUsers(ugrpc.UserServiceServicer):
    def __init__(self, world: World) -> None:
        self.world = world

    async def ValidateUser(self, request: Any, context: Any) -> upb.ValidateUserResponse:
        email = self.world.users.get(request.user_id)
        if email is None:
            return upb.ValidateUserResponse(valid=False, reason="unknown user")
        return upb.ValidateUserResponse(
            valid=True, user=upb.User(id=request.user_id, email=email, role="user")
        )

    async def ValidateUsers(self, request: Any, context: Any) -> upb.ValidateUsersResponse:
        responses = [await self.ValidateUser(r, context) for r in request.requests]
        return upb.ValidateUsersResponse(responses=responses)

    async def GetUser(self, request: Any, context: AbortingContext) -> upb.GetUserResponse:
        email = self.world.users.get(request.user_id)
        if email is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "user not found")
        return upb.GetUserResponse(user=upb.User(id=request.user_id, email=email))

    async def GetUserAddresses(self, request: Any, context: Any) -> upb.GetUserAddressesResponse:
        return upb.GetUserAddressesResponse(addresses=self.world.addresses.get(request.user_id, []))


class FakeProducts(pgrpc.ProductServiceServicer):
    def __init__(self, world: World) -> None:
        self.world = world

    async def _gate(self, name: str, context: Any) -> None:
        self.world.calls.append(name)
        if self.world.product_down or name in self.world.down_methods:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "down")

    def _reservation(self, order_id: str) -> ppb.Reservation:
        status, items = self.world.reservations[order_id]
        return ppb.Reservation(
            order_id=order_id,
            status=status,
            items=[ppb.Item(product_id=p, quantity=q) for p, q in items],
        )

    async def CheckInventory(self, request: Any, context: Any) -> ppb.CheckInventoryResponse:
        await self._gate("CheckInventory", context)
        out = []
        for item in request.items:
            p = self.world.products.get(item.product_id)
            out.append(
                ppb.ItemAvailability(
                    product_id=item.product_id,
                    requested=item.quantity,
                    available=p.stock if p else 0,
                    in_stock=bool(p and p.stock >= item.quantity),
                    unit_price=p.price if p else 0,
                    found=p is not None,
                    name=f"Product {item.product_id[:6]}" if p else "",
                )
            )
        return ppb.CheckInventoryResponse(all_available=all(i.in_stock for i in out), items=out)

    async def ReserveInventory(
        self, request: Any, context: AbortingContext
    ) -> ppb.ReserveInventoryResponse:
        await self._gate("ReserveInventory", context)
        if request.order_id in self.world.reservations:
            return self._reserved(request.order_id)
        for item in request.items:
            p = self.world.products.get(item.product_id)
            if p is None:
                await context.abort(grpc.StatusCode.NOT_FOUND, f"{item.product_id} not found")
            if p.stock < item.quantity:
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "insufficient stock")
        items = [(i.product_id, int(i.quantity)) for i in request.items]
        for pid, qty in items:
            self.world.products[pid].stock -= qty
            self.world.products[pid].reserved += qty
        self.world.reservations[request.order_id] = (RS.RESERVATION_STATUS_RESERVED, items)
        return self._reserved(request.order_id)

    async def ReserveInventoryBatch(
        self, request: Any, context: Any
    ) -> ppb.ReserveInventoryBatchResponse:
        reply = ppb.ReserveInventoryBatchResponse()
        await _answer_each(self.ReserveInventory, request.requests, reply.outcomes)
        return reply

    async def ReduceInventoryBatch(
        self, request: Any, context: Any
    ) -> ppb.ReduceInventoryBatchResponse:
        reply = ppb.ReduceInventoryBatchResponse()
        await _answer_each(self.ReduceInventory, request.requests, reply.outcomes)
        return reply

    def _reserved(self, order_id: str) -> ppb.ReserveInventoryResponse:
        """The reservation and, as the product service answers, each product's price."""
        _, items = self.world.reservations[order_id]
        prices = [
            ppb.ReservedPrice(
                product_id=pid, unit_price=self.world.products[pid].price, name=f"Product {pid[:6]}"
            )
            for pid, _ in items
        ]
        return ppb.ReserveInventoryResponse(reservation=self._reservation(order_id), prices=prices)

    async def ReduceInventory(self, request: Any, context: Any) -> ppb.ReduceInventoryResponse:
        await self._gate("ReduceInventory", context)
        if request.order_id not in self.world.reservations:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no reservation")
        status, items = self.world.reservations[request.order_id]
        if status == RS.RESERVATION_STATUS_RESERVED:
            for pid, qty in items:
                self.world.products[pid].reserved -= qty
                self.world.products[pid].sold += qty
            self.world.reservations[request.order_id] = (RS.RESERVATION_STATUS_COMMITTED, items)
        elif status != RS.RESERVATION_STATUS_COMMITTED:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "reservation closed")
        return ppb.ReduceInventoryResponse(reservation=self._reservation(request.order_id))

    async def ReleaseInventory(self, request: Any, context: Any) -> ppb.ReleaseInventoryResponse:
        await self._gate("ReleaseInventory", context)
        if request.order_id not in self.world.reservations:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no reservation")
        status, items = self.world.reservations[request.order_id]
        source = {
            RS.RESERVATION_STATUS_RESERVED: "reserved",
            RS.RESERVATION_STATUS_COMMITTED: "sold",
        }.get(status)
        if source is not None:
            for pid, qty in items:
                p = self.world.products[pid]
                setattr(p, source, getattr(p, source) - qty)
                p.stock += qty
            self.world.reservations[request.order_id] = (RS.RESERVATION_STATUS_RELEASED, items)
        return ppb.ReleaseInventoryResponse(reservation=self._reservation(request.order_id))

    def expire(self, order_id: str) -> None:
        """What the product service's sweeper does to an overdue reservation."""
        status, items = self.world.reservations[order_id]
        assert status == RS.RESERVATION_STATUS_RESERVED
        for pid, qty in items:
            self.world.products[pid].reserved -= qty
            self.world.products[pid].stock += qty
        self.world.reservations[order_id] = (RS.RESERVATION_STATUS_EXPIRED, items)
