"""What the use cases need from the outside, as protocols: the store's unit of work and
repositories, and the two peer services. The adapters are in store/ and peers/; the unit
tests pass in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from shop.common.events import DomainEvent
from shop.orders.domain import Availability, Line, Order, OrderStatus, Price, StatusMove
from shop.orders.payments.charges import Charge
from shop.protos.shop.user.v1 import user_pb2 as upb


class OrderRepository(Protocol):
    async def add(self, order: Order, *, reason: str) -> None:
        """Stores a new order; IdempotencyKeyTaken when its user's key is already used."""

    async def get(self, order_id: str) -> Order | None: ...

    async def find_by_key(self, user_id: str, key: str) -> Order | None: ...

    async def page(
        self, *, user_id: str | None, status: OrderStatus | None, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        """A page of orders, newest first, and how many match."""

    async def move(self, move: StatusMove) -> bool:
        """Compare-and-set: moves the order only if it is still in `expected`."""

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        """Compare-and-set: takes a PENDING order whose lease ran out (or that has none)."""

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        """Extends the leases `driver_id` still holds on these PENDING orders."""

    async def mark_settled(self, order_id: str) -> None: ...

    async def ids_in_status_before(
        self, status: OrderStatus, *, before: datetime, limit: int
    ) -> list[str]: ...

    async def unsettled_ids_before(
        self, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
    ) -> list[str]: ...


class PaymentRecords(Protocol):
    async def record(self, charge: Charge, *, provider: str) -> None:
        """Our copy of the provider's charge (one per order; a newer status overwrites)."""


class OrderUnitOfWork(Protocol):
    """One transaction: repository changes and emitted events commit together or not at all."""

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def payments(self) -> PaymentRecords: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def emit(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def commit_move(self, move: StatusMove) -> bool:
        """`orders.move` then, only if it won, `commit` (what was recorded and emitted
        before goes with it); if it lost, nothing is written. One statement on PostgreSQL."""


class Users(Protocol):
    async def validate_user(self, user_id: str, address_id: str = "") -> upb.ValidateUserResponse:
        """Whether the user may order; with `address_id`, that address of theirs too."""

    async def addresses(self, user_id: str) -> list[upb.Address]: ...


class Products(Protocol):
    """Reserve, reduce and release are idempotent by order id on the product side."""

    async def check(self, lines: tuple[Line, ...]) -> list[Availability]: ...

    async def reserve(
        self, *, order_id: str, lines: tuple[Line, ...], ttl_seconds: int
    ) -> list[Price]:
        """Holds every line or none (Conflict when short, NotFound for an unknown product);
        the held products' prices and names, empty from a server that predates them."""

    async def reduce(self, order_id: str) -> None: ...

    async def release(self, order_id: str) -> None: ...
