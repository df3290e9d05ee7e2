"""Confirm, fail, settle, cancel and admin moves on fakes: a lost compare-and-set writes
and publishes nothing; compensation gives back the stock and the charge."""

from __future__ import annotations

import dataclasses

import pytest

from shop.common.errors import Conflict, ServiceUnavailable
from shop.common.tokens import Principal
from shop.orders import service
from shop.orders.domain import OrderStatus
from shop.orders.payments.charges import ChargeStatus
from shop.orders.placement.saga import place_order
from shop.orders.settlement.compensation import fail, settle
from shop.orders.settlement.confirm import confirm
from tests.unit.orders.conftest import World, crashed_order, place

S = OrderStatus
C = ChargeStatus


async def test_confirm_that_loses_the_race_publishes_nothing(world: World) -> None:
    w = world
    order, _ = await crashed_order(w, "after_payment")
    charge = await w.payments.lookup(order.id)
    assert charge is not None
    # A cancellation moved the order while the stock was being committed.
    w.uow.orders.orders[order.id] = dataclasses.replace(order, status=S.CANCELLED)
    assert await confirm(w.ctx, order, charge) is None
    assert w.uow.event_types(order.id) == [] and w.uow.payments.records == {}
    assert w.uow.orders.orders[order.id].status is S.CANCELLED


async def test_fail_that_loses_the_race_still_settles(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_payment")
    w.uow.orders.orders[order.id] = dataclasses.replace(order, status=S.CANCELLED)
    await fail(w.ctx, order, code=503, reason="late")
    assert w.uow.event_types(order.id) == []  # the move was not ours: no event
    assert order.id in w.uow.orders.settled and w.products.products[a].stock == 3
    assert w.payments.status_of(order.id) is C.REFUNDED


async def test_settle_is_deferred_while_the_product_service_is_down(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_payment")
    w.products.errors["release"] = ServiceUnavailable("down")
    assert await settle(w.ctx, order.id) is False
    assert order.id not in w.uow.orders.settled
    w.products.errors.clear()
    assert await settle(w.ctx, order.id) is True
    assert order.id in w.uow.orders.settled and w.products.products[a].stock == 3


async def test_settle_of_an_order_never_reserved(world: World) -> None:
    w = world
    assert await settle(w.ctx, "never-reserved") is True
    assert w.payments.status_of("never-reserved") is C.VOIDED
    assert w.uow.payments.records == {}  # a void is the provider's fence, not a payment


async def test_cancel_returns_stock_and_refunds(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    order = await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    owner = Principal(user_id=user[0], email="", role="user")
    cancelled = await service.cancel_order(ctx=w.ctx, order_id=order.id, principal=owner)
    assert cancelled.status is S.CANCELLED and cancelled.history[-1].reason.endswith("customer")
    assert w.products.products[a].stock == 3 and w.payments.status_of(order.id) is C.REFUNDED
    assert w.uow.event_types(order.id) == ["order.created", "order.cancelled"]
    with pytest.raises(Conflict):
        await service.cancel_order(ctx=w.ctx, order_id=order.id, principal=owner)


async def test_admin_moves_follow_the_state_machine(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    order = await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    for status in ("SHIPPED", "DELIVERED"):
        moved = await service.change_status(ctx=w.ctx, order_id=order.id, status=status)
        assert moved.status.value == status
    with pytest.raises(Conflict):
        await service.change_status(ctx=w.ctx, order_id=order.id, status="CANCELLED")
    assert w.uow.event_types(order.id) == ["order.created", *["order.status_changed"] * 2]


async def test_a_pending_order_is_not_confirmed_by_hand(world: World) -> None:
    w = world
    order, a = await crashed_order(w, "after_payment")
    with pytest.raises(Conflict):
        await service.change_status(ctx=w.ctx, order_id=order.id, status="CONFIRMED")
    failed = await service.change_status(ctx=w.ctx, order_id=order.id, status="FAILED")
    assert failed.status is S.FAILED and failed.failure_code == 409
    assert w.products.products[a].stock == 3 and w.payments.status_of(order.id) is C.REFUNDED
