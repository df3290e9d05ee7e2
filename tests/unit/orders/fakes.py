"""In-memory stand-ins for the order service's ports (cosmicpython's FakeUnitOfWork style):
the use cases run on them with no database and no network."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from shop.common.clock import utcnow
from shop.common.errors import AppError, Conflict, NotFound, ValidationFailed
from shop.common.events import DomainEvent
from shop.common.ids import new_id
from shop.orders.domain import (
    Availability,
    IdempotencyKeyTaken,
    Line,
    Order,
    OrderStatus,
    Price,
    StatusChange,
    StatusMove,
)
from shop.orders.payments.charges import Charge, ChargeStatus
from shop.protos.shop.user.v1 import user_pb2 as upb


class FakeOrderRepository:
    """Orders in a dict; the fake unit of work restores them when it rolls back."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.settled: set[str] = set()

    async def add(self, order: Order, *, reason: str) -> None:
        key = order.idempotency_key
        if key is not None and await self.find_by_key(order.user_id, key) is not None:
            raise IdempotencyKeyTaken(key)
        self.orders[order.id] = order

    async def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    async def find_by_key(self, user_id: str, key: str) -> Order | None:
        return next(
            (o for o in self.orders.values() if (o.user_id, o.idempotency_key) == (user_id, key)),
            None,
        )

    async def page(
        self, *, user_id: str | None, status: OrderStatus | None, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        found = [
            o
            for o in self.orders.values()
            if user_id in (None, o.user_id) and status in (None, o.status)
        ]
        found.sort(key=lambda o: (o.created_at, o.id), reverse=True)
        return found[offset : offset + limit], len(found)

    async def move(self, move: StatusMove) -> bool:
        order = self.orders.get(move.order_id)
        if order is None or order.status is not move.expected:
            return False
        at = move.at or utcnow()
        failing = move.failure_code is not None
        self.orders[move.order_id] = dataclasses.replace(
            order,
            status=move.target,
            updated_at=at,
            failure_code=move.failure_code if failing else order.failure_code,
            failure_reason=move.reason if failing else order.failure_reason,
            history=(*order.history, StatusChange(move.expected, move.target, at, move.reason)),
        )
        return True

    async def claim(self, order_id: str, *, driver_id: str, now: datetime, until: datetime) -> bool:
        order = self.orders.get(order_id)
        if order is None or order.status is not OrderStatus.PENDING:
            return False
        if order.lease_until is not None and order.lease_until > now:
            return False
        self.orders[order_id] = dataclasses.replace(order, driver_id=driver_id, lease_until=until)
        return True

    async def renew_leases(
        self, order_ids: Sequence[str], *, driver_id: str, until: datetime
    ) -> None:
        for order_id in order_ids:
            order = self.orders.get(order_id)
            if order and order.driver_id == driver_id and order.status is OrderStatus.PENDING:
                self.orders[order_id] = dataclasses.replace(order, lease_until=until)

    async def mark_settled(self, order_id: str) -> None:
        self.settled.add(order_id)

    async def ids_in_status_before(
        self, status: OrderStatus, *, before: datetime, limit: int
    ) -> list[str]:
        return [o.id for o in self.orders.values() if o.status is status and o.updated_at < before]

    async def unsettled_ids_before(
        self, statuses: Sequence[OrderStatus], *, before: datetime, limit: int
    ) -> list[str]:
        return [
            o.id
            for o in self.orders.values()
            if o.status in statuses and o.id not in self.settled and o.updated_at < before
        ]


class FakePaymentRecords:
    def __init__(self) -> None:
        self.records: dict[str, ChargeStatus] = {}

    async def record(self, charge: Charge, *, provider: str) -> None:
        self.records[charge.order_id] = charge.status


class FakeUnitOfWork:
    """One instance serves every `ctx.uow()`; leaving it without a commit restores the
    repositories as they were and drops the events, as a rolled-back transaction does."""

    def __init__(self) -> None:
        self.orders = FakeOrderRepository()
        self.payments = FakePaymentRecords()
        self.events: list[DomainEvent] = []
        self.committed = False
        self.commits = 0
        # The commit with this number (1-based) raises instead, as a lost database would.
        self.failing_commit: int | None = None
        self._pending: list[DomainEvent] = []
        self._snapshot: tuple[dict[str, Order], set[str], dict[str, ChargeStatus]] | None = None

    async def __aenter__(self) -> Self:
        self._pending = []
        self._snapshot = (
            dict(self.orders.orders),
            set(self.orders.settled),
            dict(self.payments.records),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            self.orders.orders, self.orders.settled, self.payments.records = self._snapshot
        self._pending, self._snapshot = [], None

    def emit(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.commits += 1
        if self.commits == self.failing_commit:
            raise ConnectionError("the database went away")
        self.events += self._pending
        self._pending, self._snapshot = [], None
        self.committed = True

    async def commit_move(self, move: StatusMove) -> bool:
        won = await self.orders.move(move)
        if won:
            await self.commit()
        return won  # a lost move leaves the records and the event to the rollback

    def event_types(self, order_id: str) -> list[str]:
        return [e.type for e in self.events if getattr(e, "order_id", None) == order_id]


class FakeUsers:
    def __init__(self) -> None:
        self.emails: dict[str, str] = {}
        self.addresses_of: dict[str, list[upb.Address]] = {}
        self.error: AppError | None = None

    def new_user(self) -> tuple[str, str]:
        user_id, address_id = new_id(), new_id()
        self.emails[user_id] = f"{user_id[:8]}@example.com"
        self.addresses_of[user_id] = [
            upb.Address(
                id=address_id, line1="1 Main St", city="Town", postal_code="1", country="US"
            )
        ]
        return user_id, address_id

    async def validate_user(self, user_id: str, address_id: str = "") -> upb.ValidateUserResponse:
        if self.error is not None:
            raise self.error
        email = self.emails.get(user_id)
        if email is None:
            return upb.ValidateUserResponse(valid=False, reason="unknown user")
        answer = upb.ValidateUserResponse(valid=True, user=upb.User(id=user_id, email=email))
        # Like the user service: the address comes back only when it is one of theirs.
        mine = [a for a in self.addresses_of.get(user_id, []) if a.id == address_id]
        if mine:
            answer.address.CopyFrom(mine[0])
        return answer

    async def addresses(self, user_id: str) -> list[upb.Address]:
        if self.error is not None:
            raise self.error
        return list(self.addresses_of.get(user_id, []))


@dataclasses.dataclass
class Product:
    price: int
    stock: int
    reserved: int = 0
    sold: int = 0


class FakeProducts:
    """The product service's semantics: all-or-none reservations, idempotent by order id."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.reservations: dict[str, tuple[str, tuple[Line, ...]]] = {}
        self.errors: dict[str, AppError] = {}  # method name -> what it raises
        self.calls: list[str] = []
        # False: answers as a product service that predates prices in ReserveInventory.
        self.prices_in_reserve = True

    def new_product(self, *, price: int = 1000, stock: int = 10) -> str:
        product_id = new_id()
        self.products[product_id] = Product(price=price, stock=stock)
        return product_id

    def _enter(self, method: str) -> None:
        self.calls.append(method)
        if method in self.errors:
            raise self.errors[method]

    async def check(self, lines: tuple[Line, ...]) -> list[Availability]:
        self._enter("check")
        found = [(ln, self.products.get(ln.product_id)) for ln in lines]
        return [
            Availability(
                product_id=ln.product_id,
                requested=ln.quantity,
                available=p.stock if p else 0,
                in_stock=bool(p and p.stock >= ln.quantity),
                unit_price=p.price if p else 0,
                found=p is not None,
                name=f"Product {ln.product_id[:6]}" if p else "",
            )
            for ln, p in found
        ]

    async def reserve(
        self, *, order_id: str, lines: tuple[Line, ...], ttl_seconds: int
    ) -> list[Price]:
        self._enter("reserve")
        if order_id not in self.reservations:
            for line in lines:
                if line.product_id not in self.products:
                    raise NotFound(f"{line.product_id} not found")
                if self.products[line.product_id].stock < line.quantity:
                    raise Conflict("insufficient stock")
            for line in lines:
                self._shift(line, "stock", "reserved")
            self.reservations[order_id] = ("reserved", lines)
        if not self.prices_in_reserve:
            return []
        return [
            Price(pid, self.products[pid].price, f"Product {pid[:6]}")
            for pid in (ln.product_id for ln in self.reservations[order_id][1])
        ]

    def held(self) -> dict[str, str]:
        """Order id -> status of every reservation ever taken that still holds units."""
        return {
            order_id: status
            for order_id, (status, _) in self.reservations.items()
            if status in {"reserved", "committed"}
        }

    async def reduce(self, order_id: str) -> None:
        self._enter("reduce")
        status, lines = self._reservation(order_id)
        if status == "reserved":
            for line in lines:
                self._shift(line, "reserved", "sold")
            self.reservations[order_id] = ("committed", lines)
        elif status != "committed":
            raise Conflict("reservation closed")

    async def release(self, order_id: str) -> None:
        self._enter("release")
        status, lines = self._reservation(order_id)
        if status in {"reserved", "committed"}:
            for line in lines:
                self._shift(line, "reserved" if status == "reserved" else "sold", "stock")
            self.reservations[order_id] = ("released", lines)

    def expire(self, order_id: str) -> None:
        """What the product service's sweeper does to an overdue reservation."""
        status, lines = self._reservation(order_id)
        assert status == "reserved"
        for line in lines:
            self._shift(line, "reserved", "stock")
        self.reservations[order_id] = ("expired", lines)

    def _reservation(self, order_id: str) -> tuple[str, tuple[Line, ...]]:
        if order_id not in self.reservations:
            raise NotFound("no reservation")
        return self.reservations[order_id]

    def _shift(self, line: Line, source: str, target: str) -> None:
        product = self.products[line.product_id]
        setattr(product, source, getattr(product, source) - line.quantity)
        setattr(product, target, getattr(product, target) + line.quantity)


class FakePayments:
    """The mock provider's rules on a dict: the first charge or void per order stands."""

    name = "fake"
    OUTCOMES = {"tok_ok": ChargeStatus.SUCCEEDED, "tok_declined": ChargeStatus.DECLINED}

    def __init__(self) -> None:
        self.ledger: dict[str, Charge] = {}
        # Raised by charge() after (lost_reply) or instead of reaching the ledger.
        self.charge_error: AppError | None = None
        self.lost_reply = False

    def check_token(self, method: str, token: str) -> None:
        if method != "card" or token not in self.OUTCOMES:
            raise ValidationFailed("Invalid payment", errors=[{"path": "payment.token"}])

    async def charge(self, *, order_id: str, amount: int, token: str) -> Charge:
        if self.charge_error is not None and not self.lost_reply:
            raise self.charge_error
        charge = self._first(order_id, amount, self.OUTCOMES[token])
        if self.charge_error is not None:
            raise self.charge_error
        return charge

    async def lookup(self, order_id: str) -> Charge | None:
        return self.ledger.get(order_id)

    async def void(self, order_id: str) -> Charge:
        return self._first(order_id, 0, ChargeStatus.VOIDED)

    async def refund(self, order_id: str) -> Charge | None:
        charge = self.ledger.get(order_id)
        if charge is not None and charge.succeeded:
            self.ledger[order_id] = dataclasses.replace(charge, status=ChargeStatus.REFUNDED)
        return self.ledger.get(order_id)

    def _first(self, order_id: str, amount: int, status: ChargeStatus) -> Charge:
        if order_id not in self.ledger:
            self.ledger[order_id] = Charge(f"ch_{new_id()}", order_id, amount, status)
        return self.ledger[order_id]

    def status_of(self, order_id: str) -> ChargeStatus | None:
        charge = self.ledger.get(order_id)
        return charge.status if charge else None
