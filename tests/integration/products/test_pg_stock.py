"""The stock transactions' own path on PostgreSQL (straight through asyncpg, a new
reservation written in one statement with its first units): events and the relay's
wake-up, rollback, reservations without units, and connections the server dropped."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shop.common.clock import utcnow
from shop.common.ids import new_id
from shop.products.domain import Line, OutOfStock, ProductNotFound, ReservationStatus
from shop.products.stores.sql.store import SqlProductStore
from tests.integration.products.conftest import (
    assert_balanced,
    drop_connections,
    new_product,
    outbox_events,
)


async def test_an_event_is_written_with_its_change_and_wakes_the_relay(
    waking_store: SqlProductStore, wake: asyncio.Event
) -> None:
    product = await waking_store.create_product(new_product(stock=10, low_stock_threshold=5))

    async def reserve(quantity: int) -> None:
        lines = [Line(product.id, quantity)]
        expires_at = utcnow() + timedelta(hours=1)
        await waking_store.reserve(order_id=new_id(), lines=lines, expires_at=expires_at)

    await reserve(4)
    assert not wake.is_set()  # 10 -> 6 crossed nothing
    await reserve(2)
    assert wake.is_set()  # 6 -> 4 crossed the threshold
    [event] = await outbox_events(waking_store, product.id)
    assert (event["type"], event["data"]["stock"]) == ("product.low_stock", 4)


async def test_a_refused_reservation_writes_neither_units_nor_events(
    waking_store: SqlProductStore, wake: asyncio.Event
) -> None:
    crossing = await waking_store.create_product(new_product(stock=10, low_stock_threshold=5))
    scarce = await waking_store.create_product(new_product(stock=1))
    lines = [Line(crossing.id, 8), Line(scarce.id, 2)]  # the first holds, the second cannot
    with pytest.raises(OutOfStock):
        await waking_store.reserve(
            order_id=new_id(), lines=lines, expires_at=utcnow() + timedelta(hours=1)
        )
    assert not wake.is_set()
    assert await outbox_events(waking_store, crossing.id) == []
    after = await waking_store.get_product(crossing.id)
    assert after is not None and (after.stock, after.reserved) == (10, 0)


async def test_connections_the_server_dropped_are_replaced(
    waking_store: SqlProductStore, postgres_url: str
) -> None:
    product = await waking_store.create_product(new_product(stock=10))
    expires_at = utcnow() + timedelta(hours=1)
    # Several in flight, so the pool holds several connections to drop.
    orders = [new_id() for _ in range(4)]
    await asyncio.gather(
        *(
            waking_store.reserve(order_id=o, lines=[Line(product.id, 1)], expires_at=expires_at)
            for o in orders
        )
    )
    await drop_connections(postgres_url)
    for order_id in orders:
        await waking_store.commit_reservation(order_id, now=utcnow())
    after = await waking_store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (6, 0, 4)
    assert_balanced(after)


async def test_a_reservation_without_lines_is_still_written_once(
    waking_store: SqlProductStore,
) -> None:
    # Its INSERT, held back for the first units UPDATE, has none to ride with.
    order_id = new_id()
    expires_at = utcnow() + timedelta(hours=1)
    first = await waking_store.reserve(order_id=order_id, lines=[], expires_at=expires_at)
    again = await waking_store.reserve(order_id=order_id, lines=[], expires_at=expires_at)
    assert again.id == first.id
    stored = await waking_store.get_reservation(order_id)
    assert stored is not None and stored.id == first.id


async def test_a_reservation_of_an_unknown_product_leaves_nothing_behind(
    waking_store: SqlProductStore,
) -> None:
    # The INSERT ran in the UPDATE's CTE although the UPDATE matched no product.
    order_id = new_id()
    with pytest.raises(ProductNotFound):
        await waking_store.reserve(
            order_id=order_id, lines=[Line(new_id(), 1)], expires_at=utcnow() + timedelta(hours=1)
        )
    assert await waking_store.get_reservation(order_id) is None


async def test_a_commit_and_a_release_move_every_line_in_one_statement(
    waking_store: SqlProductStore,
) -> None:
    first = await waking_store.create_product(new_product(stock=10))
    second = await waking_store.create_product(new_product(stock=10))
    order_id = new_id()
    # Two lines of one product (the store itself does not merge them) move as their sum.
    lines = [Line(first.id, 2), Line(second.id, 3), Line(first.id, 1)]
    expires_at = utcnow() + timedelta(hours=1)
    await waking_store.reserve(order_id=order_id, lines=lines, expires_at=expires_at)
    committed = await waking_store.commit_reservation(order_id, now=utcnow())
    assert committed.status is ReservationStatus.COMMITTED
    assert len(committed.items) == 3
    counters = [(7, 0, 3), (7, 0, 3)]
    for product_id, expected in zip((first.id, second.id), counters, strict=True):
        after = await waking_store.get_product(product_id)
        assert after is not None and (after.stock, after.reserved, after.sold) == expected
        assert_balanced(after)
    released = await waking_store.release_reservation(order_id)
    assert released.status is ReservationStatus.RELEASED
    for product_id in (first.id, second.id):
        after = await waking_store.get_product(product_id)
        assert after is not None and (after.stock, after.reserved, after.sold) == (10, 0, 0)


async def test_a_release_skips_a_product_deleted_since_it_was_sold(
    waking_store: SqlProductStore,
) -> None:
    gone = await waking_store.create_product(new_product(stock=5))
    kept = await waking_store.create_product(new_product(stock=5))
    order_id = new_id()
    lines = [Line(gone.id, 1), Line(kept.id, 2)]
    expires_at = utcnow() + timedelta(hours=1)
    await waking_store.reserve(order_id=order_id, lines=lines, expires_at=expires_at)
    await waking_store.commit_reservation(order_id, now=utcnow())
    await waking_store.delete_product(gone.id)  # nothing held: sold units do not block it
    released = await waking_store.release_reservation(order_id)
    assert released.status is ReservationStatus.RELEASED
    after = await waking_store.get_product(kept.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (5, 0, 0)


async def test_orders_of_many_lines_commit_while_others_reserve(
    waking_store: SqlProductStore,
) -> None:
    # Every stock transaction locks its products in id order, so none waits on another
    # that waits on it (PostgreSQL would abort one as a deadlock).
    products = [await waking_store.create_product(new_product(stock=1000)) for _ in range(4)]
    expires_at = utcnow() + timedelta(hours=1)

    async def order() -> None:
        order_id = new_id()
        lines = [Line(p.id, 1) for p in reversed(products)]
        await waking_store.reserve(order_id=order_id, lines=lines, expires_at=expires_at)
        await waking_store.commit_reservation(order_id, now=utcnow())

    await asyncio.gather(*(order() for _ in range(40)))
    for product in products:
        after = await waking_store.get_product(product.id)
        assert after is not None and (after.stock, after.reserved, after.sold) == (960, 0, 40)
        assert_balanced(after)
