"""Crash points and the recovery loop, on fakes: a crash anywhere in the saga ends with the
order CONFIRMED (paid) or FAILED (not paid), stock and charge consistent with it."""

from __future__ import annotations

import pytest

from shop.common.errors import ServiceUnavailable
from shop.orders.domain import OrderStatus
from shop.orders.payments.charges import ChargeStatus
from shop.orders.placement.saga import place_order
from shop.orders.recovery import recover_once, resolve_pending
from tests.unit.orders.conftest import SimulatedCrash, World, place
from tests.unit.orders.test_placement_saga import only_order

S = OrderStatus
C = ChargeStatus


async def test_crash_after_reserve_recovers_to_failed(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    assert w.products.products[a].reserved == 2
    w.ctx.in_flight.clear()  # the crashed process is gone; a new one starts empty
    assert await recover_once(w.ctx) == 1
    order = only_order(w)
    assert order.status is S.FAILED and order.failure_code == 503
    assert w.products.products[a].stock == 3 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.VOIDED
    assert order.id in w.uow.orders.settled


async def test_crash_after_payment_recovers_to_confirmed(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_payment")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    w.ctx.in_flight.clear()
    await recover_once(w.ctx)
    order = only_order(w)
    assert order.status is S.CONFIRMED
    assert w.products.products[a].sold == 2 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.SUCCEEDED
    assert w.uow.event_types(order.id) == ["order.created"]
    assert await recover_once(w.ctx) == 0  # nothing left to do


async def test_crash_after_a_declined_payment_recovers_to_402(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_payment")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 1), token="tok_declined"))
    w.ctx.in_flight.clear()
    await recover_once(w.ctx)
    order = only_order(w)
    assert order.status is S.FAILED and order.failure_code == 402
    assert w.products.products[a].stock == 3


async def test_orders_in_flight_are_left_alone(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    w.ctx.in_flight.add(only_order(w).id)  # this process is still driving it
    assert await recover_once(w.ctx) == 0
    assert only_order(w).status is S.PENDING


async def test_recovery_defers_while_a_peer_is_down(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_payment")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    w.ctx.in_flight.clear()
    w.products.errors["reduce"] = ServiceUnavailable("down")
    assert await recover_once(w.ctx) == 1  # the error is logged, the pass goes on
    assert only_order(w).status is S.PENDING
    w.products.errors.clear()
    await recover_once(w.ctx)
    assert only_order(w).status is S.CONFIRMED


async def test_recovery_never_charges(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.crash_at("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    order = only_order(w)
    await resolve_pending(w.ctx, order.id)
    await resolve_pending(w.ctx, order.id)  # a second look at a settled order does nothing
    assert only_order(w).status is S.FAILED
    assert w.payments.status_of(order.id) is C.VOIDED
    # A late charge from the crashed request cannot land on the fenced order.
    late = await w.payments.charge(order_id=order.id, amount=order.total, token="tok_ok")
    assert not late.succeeded
