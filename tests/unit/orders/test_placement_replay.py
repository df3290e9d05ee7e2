"""Idempotency-Key replays on fakes: the first result comes back and nothing moves again."""

from __future__ import annotations

import dataclasses

import pytest

from shop.common.errors import Conflict, PaymentRequired, ServiceUnavailable
from shop.common.ids import new_id
from shop.orders.domain import OrderStatus
from shop.orders.placement.request import request_hash
from shop.orders.placement.saga import place_order
from tests.unit.orders.conftest import World, place

S = OrderStatus


async def test_replay_returns_the_first_order_and_changes_nothing(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=2)
    key = new_id()
    first = await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))
    assert w.products.products[a].stock == 0  # a fresh request would now be a 409
    again = await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))
    assert again == first and len(w.products.reservations) == 1
    w.products.errors["check"] = ServiceUnavailable("down")  # nor does an outage stop it
    assert (await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))).id == first.id


async def test_key_reused_with_another_body_is_a_409(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    await place_order(ctx=w.ctx, request=place(user, (a, 1), key=key))
    with pytest.raises(Conflict):
        await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))


async def test_a_failed_first_try_answers_with_its_error(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    for _ in range(2):
        with pytest.raises(PaymentRequired):
            await place_order(ctx=w.ctx, request=place(user, (a, 1), token="tok_declined", key=key))
    # The retry held stock for its own order id until its insert lost to the key: given back.
    assert len(w.uow.orders.orders) == 1 and w.products.held() == {}
    assert w.products.products[a].stock == 5


async def test_a_twin_that_stored_first_wins(world: World) -> None:
    """The store's unique key refuses our insert: answer with the twin's result."""
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    request = place(user, (a, 1), key=key)
    twin = await place_order(ctx=w.ctx, request=place(user, (a, 1), key=new_id()))
    w.uow.orders.orders[twin.id] = dataclasses.replace(
        twin, idempotency_key=key, request_hash=request_hash(request)
    )
    assert (await place_order(ctx=w.ctx, request=request)).id == twin.id
    assert len(w.uow.orders.orders) == 1


async def test_a_twin_still_pending_is_waited_for_then_reported(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    w.crash_at("after_reserve")
    with pytest.raises(BaseException, match="after_reserve"):
        await place_order(ctx=w.ctx, request=place(user, (a, 1), key=key))
    with pytest.raises(ServiceUnavailable, match="still being processed"):
        await place_order(ctx=w.ctx, request=place(user, (a, 1), key=key))
    [order] = w.uow.orders.orders.values()
    assert order.status is S.PENDING


async def test_a_twin_losing_the_insert_releases_its_reservation(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    first = await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))
    again = await place_order(ctx=w.ctx, request=place(user, (a, 2), key=key))
    assert again == first and len(w.products.reservations) == 2  # the twin reserved too
    assert w.products.held() == {first.id: "committed"}  # but gave its units back
    assert w.products.products[a].stock == 3 and w.products.products[a].sold == 2
    assert w.payments.status_of(first.id) is not None and len(w.payments.ledger) == 1


async def test_a_twin_whose_release_fails_leaves_it_to_expire(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=5)
    key = new_id()
    first = await place_order(ctx=w.ctx, request=place(user, (a, 1), key=key))
    w.products.errors["release"] = ServiceUnavailable("down")
    assert (await place_order(ctx=w.ctx, request=place(user, (a, 1), key=key))).id == first.id
    [orphan] = set(w.products.held()) - {first.id}
    assert orphan not in w.uow.orders.orders and len(w.payments.ledger) == 1
    w.products.expire(orphan)  # what the product service's sweeper does after the TTL
    assert w.products.products[a].stock == 4 and w.products.products[a].reserved == 0
