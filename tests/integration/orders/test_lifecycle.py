"""Cancel, admin moves, visibility, crash recovery, breaker and compensation races."""

from __future__ import annotations

import uuid

import pytest

from shop.common.errors import Conflict, NotFound, ServiceUnavailable
from shop.common.tokens import Principal
from shop.orders import service
from shop.orders.context import Context
from shop.orders.domain import Order, OrderStatus
from shop.orders.faults import FaultInjector
from shop.orders.placement.saga import place_order
from shop.orders.recovery import recover_once
from tests.integration.orders.conftest import (
    charges_for,
    close_product_breaker,
    payments_for,
    run_out_leases,
)
from tests.integration.orders.fakes import FakeProducts, World
from tests.integration.orders.test_placement import events_for, request

S = OrderStatus
Env = tuple[World, FakeProducts, int]
ADMIN = Principal(user_id="admin", email="a@example.com", role="admin")


class SimulatedCrash(BaseException):
    """Stands in for SIGKILL: nothing after the crash point runs (the e2e tests kill -9)."""


class CrashAt(FaultInjector):
    def reached(self, point: str) -> None:
        if point == self._point:
            raise SimulatedCrash(point)


async def only_order(orders: Context, user_id: str) -> Order:
    principal = Principal(user_id=user_id, email="", role="user")
    found, total = await service.list_orders(
        ctx=orders, principal=principal, status=None, page=1, limit=10
    )
    assert total == 1
    return await service.get_order(ctx=orders, order_id=found[0].id)


async def test_cancel_returns_stock_and_refunds(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    order = await place_order(ctx=orders, request=request(user, (a, 2)))
    owner = Principal(user_id=user[0], email="", role="user")
    stranger = Principal(user_id=uuid.uuid4().hex, email="", role="user")
    with pytest.raises(NotFound):
        await service.get_order(ctx=orders, order_id=order.id, principal=stranger)
    with pytest.raises(NotFound):
        await service.cancel_order(ctx=orders, order_id=order.id, principal=stranger)
    cancelled = await service.cancel_order(ctx=orders, order_id=order.id, principal=owner)
    assert cancelled.status is S.CANCELLED
    assert w.products[a].stock == 3 and w.products[a].sold == 0
    assert await charges_for(orders, order.id) == ["REFUNDED"]
    assert await payments_for(orders, order.id) == [("REFUNDED", order.total)]
    assert await events_for(orders, order.id) == ["order.created", "order.cancelled"]
    with pytest.raises(Conflict):
        await service.cancel_order(ctx=orders, order_id=order.id, principal=owner)


async def test_admin_moves_follow_the_state_machine(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    order = await place_order(ctx=orders, request=request(user, (a, 1)))
    with pytest.raises(Conflict):
        await service.change_status(ctx=orders, order_id=order.id, status="DELIVERED")
    for status in ("SHIPPED", "DELIVERED"):
        moved = await service.change_status(ctx=orders, order_id=order.id, status=status)
        assert moved.status.value == status
    with pytest.raises(Conflict):
        await service.change_status(ctx=orders, order_id=order.id, status="CANCELLED")
    with pytest.raises(NotFound):
        await service.change_status(ctx=orders, order_id="no-such-id", status="SHIPPED")
    assert (await events_for(orders, order.id)).count("order.status_changed") == 2
    listed, total = await service.list_orders(
        ctx=orders, principal=ADMIN, status="DELIVERED", page=1, limit=100
    )
    assert order.id in {o.id for o in listed} and total >= 1


async def test_crash_after_reserve_recovers_to_failed(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    orders.faults = CrashAt("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=orders, request=request(user, (a, 2)))
    assert w.products[a].reserved == 2
    await run_out_leases(orders)
    await recover_once(orders)
    order = await only_order(orders, user[0])
    assert order.status is S.FAILED
    assert w.products[a].stock == 3 and w.products[a].reserved == 0
    assert await charges_for(orders, order.id) == ["VOIDED"]


async def test_crash_after_payment_recovers_to_confirmed(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    orders.faults = CrashAt("after_payment")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=orders, request=request(user, (a, 2)))
    await run_out_leases(orders)
    await recover_once(orders)
    await recover_once(orders)
    order = await only_order(orders, user[0])
    assert order.status is S.CONFIRMED
    assert w.products[a].sold == 2 and w.products[a].reserved == 0
    assert await charges_for(orders, order.id) == ["SUCCEEDED"]
    assert await events_for(orders, order.id) == ["order.created"]


async def test_product_down_at_commit_is_finished_later(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    w.down_methods.add("ReduceInventory")
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=orders, request=request(user, (a, 1)))
    assert (await only_order(orders, user[0])).status is S.PENDING
    w.down_methods.clear()
    close_product_breaker(orders)
    await run_out_leases(orders)
    await recover_once(orders)
    order = await only_order(orders, user[0])
    assert order.status is S.CONFIRMED and w.products[a].sold == 1
    assert await charges_for(orders, order.id) == ["SUCCEEDED"]


async def test_breaker_fails_fast_when_peer_keeps_failing(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    w.product_down = True
    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            await place_order(ctx=orders, request=request(user, (a, 1)))
    calls = len(w.calls)
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=orders, request=request(user, (a, 1)))
    assert len(w.calls) == calls  # the open breaker answered without calling


async def test_expired_reservation_refunds_the_charge(orders: Context, world: Env) -> None:
    w, products, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    original = orders.payments.charge

    async def charge_then_expire(*, order_id: str, amount: int, token: str) -> object:
        result = await original(order_id=order_id, amount=amount, token=token)
        products.expire(order_id)
        return result

    orders.payments.charge = charge_then_expire  # type: ignore[method-assign,assignment]
    with pytest.raises(Conflict):
        await place_order(ctx=orders, request=request(user, (a, 1)))
    order = await only_order(orders, user[0])
    assert order.status is S.FAILED and w.products[a].stock == 3
    assert await charges_for(orders, order.id) == ["REFUNDED"]


async def test_recovery_fence_beats_a_late_charge(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    ctx = orders
    original = ctx.payments.charge

    async def recovery_runs_first(*, order_id: str, amount: int, token: str) -> object:
        # Another replica's recovery loop takes the order over while this request stalls
        # past its lease.
        ctx.in_flight.discard(order_id)
        await run_out_leases(ctx)
        await recover_once(ctx)
        return await original(order_id=order_id, amount=amount, token=token)

    ctx.payments.charge = recovery_runs_first  # type: ignore[method-assign,assignment]
    with pytest.raises(Exception):  # noqa: B017 - whichever error, the invariants below hold
        await place_order(ctx=ctx, request=request(user, (a, 1)))
    order = await only_order(orders, user[0])
    assert order.status is S.FAILED
    assert w.products[a].stock == 3 and w.products[a].reserved == 0
    assert await charges_for(orders, order.id) == ["VOIDED"]
