"""Leases and takeovers on fakes: a retry of an order whose driver died finishes it at once
(as recovery would), an order whose driver's lease holds is never taken over, and one
order is never taken by two."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.common.clock import utcnow
from shop.common.errors import ServiceUnavailable
from shop.common.ids import new_id
from shop.orders.domain import Order, OrderStatus
from shop.orders.faults import NO_FAULTS
from shop.orders.leases import renew_once
from shop.orders.payments.charges import ChargeStatus
from shop.orders.placement.request import PlaceOrder
from shop.orders.placement.saga import place_order
from shop.orders.recovery import recover_once, take_over
from tests.unit.orders.conftest import SimulatedCrash, World, place

S = OrderStatus
C = ChargeStatus


async def crash_with_key(
    w: World, point: str, *, quantity: int = 2
) -> tuple[Order, str, PlaceOrder]:
    """A keyed placement whose process died at `point`: the PENDING order, its product and
    the request to retry it with (same key, same body)."""
    user, product = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    w.crash_at(point)
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=w.ctx, request=place(user, (product, quantity), key=key))
    w.ctx.faults = NO_FAULTS
    [order] = [o for o in w.uow.orders.orders.values() if o.idempotency_key == key]
    return order, product, place(user, (product, quantity), key=key)


async def test_a_placed_order_carries_this_process_lease(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product()
    before = utcnow()
    order = await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    stored = w.uow.orders.orders[order.id]
    assert stored.driver_id == w.ctx.driver_id
    assert stored.lease_until is not None
    assert stored.lease_until >= before + timedelta(seconds=w.ctx.settings.order_lease_seconds)


async def test_a_retry_finishes_a_paid_order_whose_driver_died(world: World) -> None:
    w = world
    order, a, retry = await crash_with_key(w, "after_payment")
    w.leases_run_out()
    answer = await place_order(ctx=w.ctx, request=retry)
    assert answer.id == order.id and answer.status is S.CONFIRMED
    assert w.payments.status_of(order.id) is C.SUCCEEDED  # charged once, kept
    assert w.products.products[a].sold == 2 and w.products.products[a].reserved == 0
    assert w.uow.event_types(order.id) == ["order.created"]
    # The retry's own reservation (taken before its insert lost to the key) went back.
    assert w.products.held() == {order.id: "committed"} and w.ctx.in_flight == set()


async def test_a_retry_fails_an_unpaid_order_whose_driver_died(world: World) -> None:
    w = world
    order, a, retry = await crash_with_key(w, "after_reserve")
    w.leases_run_out()
    with pytest.raises(ServiceUnavailable, match="interrupted; payment voided"):
        await place_order(ctx=w.ctx, request=retry)
    stored = w.uow.orders.orders[order.id]
    assert stored.status is S.FAILED and stored.failure_code == 503
    assert w.payments.status_of(order.id) is C.VOIDED  # a late charge cannot land
    assert w.products.products[a].stock == 5 and w.products.products[a].reserved == 0
    assert order.id in w.uow.orders.settled


async def test_a_twin_whose_lease_holds_is_not_taken_over(world: World) -> None:
    """Its driver may be alive and slow: the retry waits, and fences nothing."""
    w = world
    order, a, retry = await crash_with_key(w, "after_reserve")
    with pytest.raises(ServiceUnavailable, match="still being processed"):
        await place_order(ctx=w.ctx, request=retry)
    assert w.uow.orders.orders[order.id].status is S.PENDING
    assert w.payments.status_of(order.id) is None and w.products.products[a].reserved == 2
    assert await recover_once(w.ctx) == 0  # nor does the recovery loop touch it


async def test_a_takeover_meeting_a_peer_down_gives_its_lease_back(world: World) -> None:
    w = world
    order, _, retry = await crash_with_key(w, "after_payment")
    w.leases_run_out()
    w.products.errors["reduce"] = ServiceUnavailable("products down")
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=w.ctx, request=retry)
    stored = w.uow.orders.orders[order.id]
    assert stored.status is S.PENDING and stored.driver_id == w.ctx.driver_id
    assert stored.lease_until is not None and stored.lease_until <= utcnow()
    w.products.errors.clear()
    answer = await place_order(ctx=w.ctx, request=retry)
    assert answer.status is S.CONFIRMED


async def test_an_order_is_taken_by_one_taker_only(world: World) -> None:
    w = world
    order, _, _ = await crash_with_key(w, "after_payment")
    w.leases_run_out()
    now = utcnow()
    later = now + timedelta(seconds=3)
    claim = w.uow.orders.claim
    assert await claim(order.id, driver_id="replica-b", now=now, until=later)
    assert not await claim(order.id, driver_id="replica-c", now=now, until=later)
    assert not await take_over(w.ctx, order.id)  # replica-b drives it now
    assert w.uow.orders.orders[order.id].status is S.PENDING


async def test_leases_are_renewed_only_for_orders_still_ours(world: World) -> None:
    w = world
    mine, _, _ = await crash_with_key(w, "after_reserve")
    theirs, _, _ = await crash_with_key(w, "after_reserve")
    w.leases_run_out()
    now = utcnow()
    await w.uow.orders.claim(theirs.id, driver_id="replica-b", now=now, until=now)
    w.ctx.in_flight.update({mine.id, theirs.id})
    await renew_once(w.ctx)
    orders = w.uow.orders.orders
    renewed = orders[mine.id].lease_until
    assert renewed is not None and renewed > now
    assert orders[theirs.id].lease_until == now and orders[theirs.id].driver_id == "replica-b"
