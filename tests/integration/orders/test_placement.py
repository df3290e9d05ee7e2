"""The order saga against real databases, with gRPC test doubles for the peers."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.common.errors import Conflict, NotFound, PaymentRequired, ValidationFailed
from shop.orders.context import Context
from shop.orders.domain import Line, OrderStatus
from shop.orders.placement.request import PlaceOrder
from shop.orders.placement.saga import place_order
from shop.orders.schemas import OrderRead
from shop.orders.store.models import outbox
from tests.integration.orders.conftest import charges_for, close_product_breaker, payments_for
from tests.integration.orders.fakes import FakeProducts, World

S = OrderStatus
Env = tuple[World, FakeProducts, int]


def request(
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


async def events_for(ctx: Context, order_id: str) -> list[str]:
    assert ctx.engine is not None
    async with AsyncSession(ctx.engine) as session:
        rows = (await session.execute(select(outbox.c.event_type, outbox.c.payload))).all()
    return [r.event_type for r in rows if order_id in r.payload]


async def test_happy_path_confirms_with_server_prices(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a, b = w.new_user(), w.new_product(price=1250, stock=5), w.new_product(price=99)
    order = await place_order(ctx=orders, request=request(user, (a, 2), (b, 1), (a, 1)))
    assert order.status is S.CONFIRMED
    assert {(i.product_id, i.quantity, i.unit_price) for i in order.items} == {
        (a, 3, 1250),
        (b, 1, 99),
    }
    assert order.total == 3 * 1250 + 99
    assert order.shipping_address["line1"] == "1 Main St"
    assert [h.to_status for h in order.history] == [S.PENDING, S.CONFIRMED]
    assert w.products[a].sold == 3 and w.products[a].stock == 2 and w.products[a].reserved == 0
    assert await charges_for(orders, order.id) == ["SUCCEEDED"]
    assert await payments_for(orders, order.id) == [("SUCCEEDED", order.total)]
    assert await events_for(orders, order.id) == ["order.created"]
    async with orders.uow() as uow:
        stored = await uow.orders.get(order.id)
    assert stored is not None
    assert (stored.status, stored.items, stored.total) == (order.status, order.items, order.total)
    assert [(h.from_status, h.to_status) for h in stored.history] == [
        (None, S.PENDING),
        (S.PENDING, S.CONFIRMED),
    ]


async def test_order_created_carries_what_the_confirmation_mail_needs(
    orders: Context, world: Env
) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(price=1250, stock=5)
    order = await place_order(ctx=orders, request=request(user, (a, 2)))
    assert orders.engine is not None
    async with AsyncSession(orders.engine) as session:
        payloads = (await session.execute(select(outbox.c.payload))).scalars().all()
    async with orders.uow() as uow:
        stored = await uow.orders.get(order.id)
    [data] = [orjson.loads(p)["data"] for p in payloads if order.id in p]
    assert data["email"] == order.user_email and "@" in data["email"]
    assert data["items"] == [
        {"productId": a, "name": f"Product {a[:6]}", "quantity": 2, "unitPrice": 1250}
    ]
    assert data["shippingAddress"]["line1"] == "1 Main St"
    # Recovery confirms from the stored order: the names are kept with its lines.
    assert stored is not None and [i.name for i in stored.items] == [f"Product {a[:6]}"]


async def test_placed_order_answers_as_a_read_would(orders: Context, world: Env) -> None:
    """The placement answers from memory: it must match what reading the order gives."""
    w, _, _ = world
    user, a, b = w.new_user(), w.new_product(price=1250, stock=5), w.new_product(price=99)
    key = uuid.uuid4().hex
    placed = await place_order(ctx=orders, request=request(user, (b, 1), (a, 2), key=key))
    async with orders.uow() as uow:
        stored = await uow.orders.get(placed.id)
    assert stored is not None
    assert OrderRead.of(placed).body() == OrderRead.of(stored).body()
    replayed = await place_order(ctx=orders, request=request(user, (b, 1), (a, 2), key=key))
    assert OrderRead.of(replayed).body() == OrderRead.of(placed).body()


async def test_replay_answers_even_when_revalidation_would_fail(
    orders: Context, world: Env
) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=2)
    key = uuid.uuid4().hex
    first = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert w.products[a].stock == 0  # a fresh request for 2 would now be a 409
    again = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert again.id == first.id and w.products[a].sold == 2 and len(w.reservations) == 1
    w.product_down = True  # a peer outage does not stop a replay either
    again = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert again.id == first.id
    w.product_down = False
    close_product_breaker(orders)


async def test_declined_payment_releases_stock(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=4)
    with pytest.raises(PaymentRequired):
        await place_order(ctx=orders, request=request(user, (a, 3), token="tok_declined"))
    assert w.products[a].stock == 4 and w.products[a].reserved == 0
    (order_id,) = list(w.reservations)
    async with orders.uow() as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.status is S.FAILED and order.failure_code == 402
    assert await charges_for(orders, order_id) == ["DECLINED"]
    assert await events_for(orders, order_id) == ["order.status_changed"]


async def test_short_stock_stores_and_holds_nothing(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=1)
    with pytest.raises(Conflict) as raised:
        await place_order(ctx=orders, request=request(user, (a, 2)))
    assert raised.value.errors == [{"path": "items", "message": f"{a}: 1 available"}]
    # The reservation refused it before any order row: only the check that names the
    # short lines follows.
    assert w.calls == ["ReserveInventory", "CheckInventory"] and w.reservations == {}
    assert w.products[a].stock == 1
    async with orders.uow() as uow:
        assert (await uow.orders.page(user_id=user[0], status=None, offset=0, limit=5))[1] == 0


async def test_bad_input_refused_before_any_call(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product()
    with pytest.raises(ValidationFailed):
        await place_order(ctx=orders, request=request(user, (a, 1), token="tok_bogus"))
    with pytest.raises(NotFound):
        await place_order(ctx=orders, request=request(user, (uuid.uuid4().hex, 1)))
    with pytest.raises(NotFound):
        await place_order(ctx=orders, request=request((user[0], "nope"), (a, 1)))
    assert w.reservations == {} and w.products[a].stock == 10


async def test_idempotent_replay_and_key_reuse(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=10)
    key = uuid.uuid4().hex
    first = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    again = await place_order(ctx=orders, request=request(user, (a, 2), key=key))
    assert again.id == first.id and w.products[a].sold == 2
    assert await charges_for(orders, first.id) == ["SUCCEEDED"]
    with pytest.raises(Conflict):
        await place_order(ctx=orders, request=request(user, (a, 3), key=key))
    declined_key = uuid.uuid4().hex
    for _ in range(2):
        with pytest.raises(PaymentRequired):
            declined = request(user, (a, 1), token="tok_declined", key=declined_key)
            await place_order(ctx=orders, request=declined)
    assert w.held() == {first.id} and w.products[a].stock == 8


async def test_concurrent_twins_create_one_order(orders: Context, world: Env) -> None:
    w, _, _ = world
    user, a = w.new_user(), w.new_product(stock=10)
    key = uuid.uuid4().hex
    results = await asyncio.gather(
        *(place_order(ctx=orders, request=request(user, (a, 1), key=key)) for _ in range(5))
    )
    assert len({r.id for r in results}) == 1
    # Every twin reserved; those that lost the insert gave their units back.
    assert w.products[a].sold == 1 and w.held() == {results[0].id}
    assert w.products[a].stock == 9 and w.products[a].reserved == 0


async def test_last_units_sold_exactly_once(orders: Context, world: Env) -> None:
    w, _, _ = world
    a = w.new_product(stock=5)
    users = [w.new_user() for _ in range(20)]
    results = await asyncio.gather(
        *(place_order(ctx=orders, request=request(u, (a, 1))) for u in users),
        return_exceptions=True,
    )
    confirmed = [r for r in results if not isinstance(r, BaseException)]
    assert len(confirmed) == 5
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert w.products[a].stock == 0 and w.products[a].sold == 5 and w.products[a].reserved == 0
