"""Crash points and the recovery loop, on fakes: a crash anywhere in the saga ends with the
order CONFIRMED (paid) or FAILED (not paid), stock and charge consistent with it."""

from __future__ import annotations

from shop.common.errors import ServiceUnavailable
from shop.orders.domain import OrderStatus
from shop.orders.payments.charges import ChargeStatus
from shop.orders.recovery import recover_once, resolve_pending
from tests.unit.orders.conftest import World, crashed_order

S = OrderStatus
C = ChargeStatus


async def test_crash_after_reserve_recovers_to_failed(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_reserve", quantity=2)
    assert w.products.products[a].reserved == 2
    assert await recover_once(w.ctx) == 1
    order = w.uow.orders.orders[order.id]
    assert order.status is S.FAILED and order.failure_code == 503
    assert w.products.products[a].stock == 3 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.VOIDED
    assert order.id in w.uow.orders.settled


async def test_crash_after_payment_recovers_to_confirmed(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_payment", quantity=2)
    await recover_once(w.ctx)
    assert w.uow.orders.orders[order.id].status is S.CONFIRMED
    assert w.products.products[a].sold == 2 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.SUCCEEDED
    assert w.uow.event_types(order.id) == ["order.created"]
    assert await recover_once(w.ctx) == 0  # nothing left to do


async def test_crash_after_a_declined_payment_recovers_to_402(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_payment", token="tok_declined")
    await recover_once(w.ctx)
    order = w.uow.orders.orders[order.id]
    assert order.status is S.FAILED and order.failure_code == 402
    assert w.products.products[a].stock == 3


async def test_orders_in_flight_are_left_alone(world: World) -> None:
    w = world
    order, _ = await crashed_order(w, "after_reserve")
    w.ctx.in_flight.add(order.id)  # this process is still driving it
    assert await recover_once(w.ctx) == 0
    assert w.uow.orders.orders[order.id].status is S.PENDING


async def test_recovery_defers_while_a_peer_is_down(world: World) -> None:
    w = world
    order, _ = await crashed_order(w, "after_payment")
    w.products.errors["reduce"] = ServiceUnavailable("down")
    assert await recover_once(w.ctx) == 1  # the error is logged, the pass goes on
    assert w.uow.orders.orders[order.id].status is S.PENDING
    w.products.errors.clear()
    await recover_once(w.ctx)
    assert w.uow.orders.orders[order.id].status is S.CONFIRMED


async def test_recovery_never_charges(world: World) -> None:
    w = world
    order, _ = await crashed_order(w, "after_reserve")
    await resolve_pending(w.ctx, order.id)
    await resolve_pending(w.ctx, order.id)  # a second look at a finished order does nothing
    assert w.uow.orders.orders[order.id].status is S.FAILED
    assert w.payments.status_of(order.id) is C.VOIDED
    # A late charge from the crashed request cannot land on the fenced order.
    late = await w.payments.charge(order_id=order.id, amount=order.total, token="tok_ok")
    assert not late.succeeded
