"""A Context on in-memory fakes: the order use cases with no database and no network."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from shop.common.clock import utcnow
from shop.orders.context import Context
from shop.orders.domain import Line, Order
from shop.orders.faults import FaultInjector
from shop.orders.placement.request import PlaceOrder
from shop.orders.placement.saga import place_order
from shop.orders.settings import OrderSettings
from tests.unit.orders.fakes import FakePayments, FakeProducts, FakeUnitOfWork, FakeUsers


class SimulatedCrash(BaseException):
    """Stands in for SIGKILL: nothing after the crash point runs."""


class CrashAt(FaultInjector):
    def reached(self, point: str) -> None:
        if point == self._point:
            raise SimulatedCrash(point)


@dataclass
class World:
    ctx: Context
    uow: FakeUnitOfWork
    users: FakeUsers
    products: FakeProducts
    payments: FakePayments

    def crash_at(self, point: str) -> None:
        self.ctx.faults = CrashAt(point)

    def leases_run_out(self) -> None:
        """Every order's lease ends now, as when its driver died or gave it up a while ago."""
        now = utcnow()
        orders = self.uow.orders.orders
        for order_id, order in orders.items():
            orders[order_id] = dataclasses.replace(order, lease_until=now)


@pytest.fixture
def world() -> World:
    uow, users, products, payments = FakeUnitOfWork(), FakeUsers(), FakeProducts(), FakePayments()
    settings = OrderSettings(
        order_recovery_grace_seconds=0,
        idempotency_wait_seconds=0.2,
        order_reservation_ttl_seconds=600,
        rabbitmq_url=None,
    )
    ctx = Context(
        settings=settings,
        unit_of_work=lambda: uow,
        users=users,
        products=products,
        payments=payments,
    )
    return World(ctx, uow, users, products, payments)


async def crashed_order(
    w: World, point: str, *, quantity: int = 1, token: str = "tok_ok"
) -> tuple[Order, str]:
    """The PENDING order a crash at `point` leaves (and its product), as a new process finds
    it: nothing in flight, the crashed driver's lease run out."""
    user, product = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at(point)
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (product, quantity), token=token))
    w.ctx.in_flight.clear()
    w.leases_run_out()
    [order] = w.uow.orders.orders.values()
    return order, product


def place(
    user: tuple[str, str], *lines: tuple[str, int], token: str = "tok_ok", key: str | None = None
) -> PlaceOrder:
    return PlaceOrder(
        user_id=user[0],
        lines=tuple(Line(p, q) for p, q in lines),
        shipping_address_id=user[1],
        payment_method="card",
        payment_token=token,
        idempotency_key=key,
    )
