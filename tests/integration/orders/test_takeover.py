"""Taking over an order whose driver died, on real databases: the claim is a
compare-and-set on the lease, and a retry with the same key answers with the real end."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from shop.common.clock import utcnow
from shop.common.errors import ServiceUnavailable
from shop.orders.context import Context
from shop.orders.domain import OrderStatus
from shop.orders.faults import NO_FAULTS
from shop.orders.placement.saga import place_order
from tests.integration.orders.conftest import charges_for, run_out_leases
from tests.integration.orders.fakes import FakeProducts, World
from tests.integration.orders.test_lifecycle import CrashAt, SimulatedCrash, only_order
from tests.integration.orders.test_placement import events_for, request

S = OrderStatus
Env = tuple[World, FakeProducts, int]


async def test_a_retry_confirms_a_paid_order_whose_driver_died(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    key = uuid.uuid4().hex
    orders.faults = CrashAt("after_payment")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    orders.faults = NO_FAULTS
    await run_out_leases(orders)
    order = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert order.status is S.CONFIRMED
    assert w.products[a].sold == 2 and w.products[a].reserved == 0
    assert await charges_for(orders, order.id) == ["SUCCEEDED"]
    assert await events_for(orders, order.id) == ["order.created"]


async def test_a_retry_waits_while_the_driver_lease_holds(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    key = uuid.uuid4().hex
    orders.faults = CrashAt("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    orders.faults = NO_FAULTS
    orders.settings.idempotency_wait_seconds = 0.3
    with pytest.raises(ServiceUnavailable, match="still being processed"):
        await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert await charges_for(orders, (await only_order(orders, user[0])).id) == []
    await run_out_leases(orders)
    with pytest.raises(ServiceUnavailable, match="interrupted"):
        await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert w.products[a].stock == 3 and w.products[a].reserved == 0


async def test_of_concurrent_claims_exactly_one_wins(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=3)
    orders.faults = CrashAt("after_reserve")
    with pytest.raises(SimulatedCrash):
        await place_order(ctx=orders, request=request(user, (a, 1)))
    order = await only_order(orders, user[0])
    await run_out_leases(orders)
    now = utcnow()

    async def claim(driver: str) -> bool:
        async with orders.uow() as uow:
            won = await uow.orders.claim(
                order.id, driver_id=driver, now=now, until=now + timedelta(seconds=3)
            )
            await uow.commit()
        return won

    assert sorted(await asyncio.gather(*(claim(f"replica-{i}") for i in range(4)))) == [
        False,
        False,
        False,
        True,
    ]
