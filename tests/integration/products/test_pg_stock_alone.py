"""Stock units sent without a transaction on PostgreSQL: a one-line reservation, a commit,
a release and an expiry are each one statement with no BEGIN/COMMIT; a reservation that
would cross a low-stock threshold (or finds no units) writes nothing alone and runs in a
transaction, its event with its change; connections lost before or while a statement is
out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import pytest

from shop.common import pg_driver
from shop.common.clock import utcnow
from shop.common.ids import new_id
from shop.common.pg_driver import CONNECTION_LOST, PgDatabase
from shop.products.domain import COMMIT, Line, OutOfStock, ReservationStatus
from shop.products.stores.sql.store import SqlProductStore
from tests.integration.products.conftest import (
    assert_balanced,
    drop_connections,
    new_product,
    outbox_events,
)


class Sent:
    """Counts what the stock writer's database is asked for: statements alone, BEGINs."""

    def __init__(self, db: PgDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.alone = 0
        self.begins = 0
        alone, begin = db.alone, db.begin

        async def count_alone(send: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
            self.alone += 1
            return await alone(send)

        async def count_begin() -> tuple[asyncpg.Connection, Any]:
            self.begins += 1
            return await begin()

        monkeypatch.setattr(db, "alone", count_alone)
        monkeypatch.setattr(db, "begin", count_begin)

    def take(self) -> tuple[int, int]:
        counts, self.alone, self.begins = (self.alone, self.begins), 0, 0
        return counts


@pytest.fixture
def store(waking_store: SqlProductStore) -> SqlProductStore:
    """Every test here runs on PostgreSQL's asyncpg stock path, the relay's wake-ups watched."""
    return waking_store


def _db(store: SqlProductStore) -> PgDatabase:
    assert store._pg_stock is not None
    return store._pg_stock._db


def _later() -> Any:
    return utcnow() + timedelta(hours=1)


async def test_reserve_commit_release_and_expire_are_one_statement_each(
    store: SqlProductStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await store.create_product(new_product(stock=10))
    sent = Sent(_db(store), monkeypatch)
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 2)], expires_at=_later())
    assert sent.take() == (1, 0)
    committed = await store.commit_reservation(order_id, now=utcnow())
    assert committed.status is ReservationStatus.COMMITTED and sent.take() == (1, 0)
    # A repeat moves nothing and reads the reservation back: two statements, neither a write.
    assert (await store.commit_reservation(order_id, now=utcnow())).id == committed.id
    assert sent.take() == (2, 0)
    released = await store.release_reservation(order_id)  # RELEASE_HELD misses, SOLD moves
    assert released.status is ReservationStatus.RELEASED and sent.take() == (2, 0)
    due = new_id()
    await store.reserve(order_id=due, lines=[Line(product.id, 1)], expires_at=utcnow())
    assert await store.expire_due(now=utcnow() + timedelta(seconds=1)) >= 1
    assert sent.take()[1] == 0
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (10, 0, 0)


async def test_a_quiet_move_moves_every_line_and_reads_back_no_product(
    store: SqlProductStore,
) -> None:
    first = await store.create_product(new_product(stock=10))
    second = await store.create_product(new_product(stock=10))
    order_id = new_id()
    lines = [Line(first.id, 2), Line(second.id, 3)]
    await store.reserve(order_id=order_id, lines=lines, expires_at=_later())
    writer = store._pg_stock
    assert writer is not None and COMMIT.quiet
    moved = await writer.atomically(
        lambda tx: tx.move_held(order_id, COMMIT, now=utcnow()), alone=True
    )
    assert moved is not None
    reservation, held = moved
    # Its products stay unread: a quiet move calls for no event to build from them.
    assert reservation.status is ReservationStatus.COMMITTED and held == []
    for line in lines:
        after = await store.get_product(line.product_id)
        assert after is not None and (after.stock, after.reserved, after.sold) == (
            10 - line.quantity,
            0,
            line.quantity,
        )
        assert_balanced(after)


async def test_a_reservation_of_several_lines_keeps_its_transaction(
    store: SqlProductStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await store.create_product(new_product(stock=10))
    second = await store.create_product(new_product(stock=10))
    sent = Sent(_db(store), monkeypatch)
    lines = [Line(first.id, 1), Line(second.id, 1)]
    await store.reserve(order_id=new_id(), lines=lines, expires_at=_later())
    assert sent.take() == (0, 1)


async def test_a_crossing_falls_back_to_a_transaction_with_its_event(
    store: SqlProductStore, wake: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await store.create_product(new_product(stock=10, low_stock_threshold=5))
    sent = Sent(_db(store), monkeypatch)
    await store.reserve(order_id=new_id(), lines=[Line(product.id, 4)], expires_at=_later())
    assert sent.take() == (1, 0) and not wake.is_set()  # 10 -> 6 crosses nothing
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 2)], expires_at=_later())
    assert sent.take() == (1, 1) and wake.is_set()  # refused alone, then the transaction
    [event] = await outbox_events(store, product.id)
    assert (event["type"], event["data"]["stock"]) == ("product.low_stock", 4)
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (4, 6)
    reservation = await store.get_reservation(order_id)
    assert reservation is not None and reservation.status is ReservationStatus.RESERVED


async def test_a_crossing_whose_event_fails_writes_nothing(
    store: SqlProductStore, wake: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await store.create_product(new_product(stock=10, low_stock_threshold=5))
    assert store._pg_stock is not None

    async def failing(*_: Any) -> None:
        raise RuntimeError("the outbox insert failed")

    monkeypatch.setattr(store._pg_stock, "_write_events", failing)
    order_id = new_id()
    with pytest.raises(RuntimeError, match="outbox"):
        await store.reserve(order_id=order_id, lines=[Line(product.id, 6)], expires_at=_later())
    assert await store.get_reservation(order_id) is None and not wake.is_set()
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (10, 0)


async def test_a_replay_finds_its_reservation_even_out_of_stock(store: SqlProductStore) -> None:
    product = await store.create_product(new_product(stock=2))
    order_id = new_id()
    lines = [Line(product.id, 2)]
    first = await store.reserve(order_id=order_id, lines=lines, expires_at=_later())
    again = await store.reserve(order_id=order_id, lines=lines, expires_at=_later())
    assert again.id == first.id
    with pytest.raises(OutOfStock):
        await store.reserve(order_id=new_id(), lines=lines, expires_at=_later())
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (0, 2)
    assert_balanced(after)


async def _terminate(url: str, where: str) -> int:
    admin = await asyncpg.connect(url)
    try:
        killed: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            f" WHERE datname = current_database() AND pid <> pg_backend_pid() {where}"
        )
    finally:
        await admin.close()
    return killed


async def test_a_connection_dropped_in_the_pool_is_replaced_before_sending(
    store: SqlProductStore, postgres_url: str
) -> None:
    product = await store.create_product(new_product(stock=10))
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 1)], expires_at=_later())
    await drop_connections(postgres_url)
    await store.reserve(order_id=new_id(), lines=[Line(product.id, 1)], expires_at=_later())
    await store.commit_reservation(order_id, now=utcnow())
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (8, 1, 1)


async def test_a_connection_found_closed_at_sending_goes_again_on_a_fresh_one(
    store: SqlProductStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await store.create_product(new_product(stock=10))
    run, sends = pg_driver.run, []

    async def closing_first(send: Any, compiled: Any, params: Any) -> Any:
        sends.append(compiled.sql)
        if len(sends) == 1:  # the connection dies before its statement goes out
            send.__self__.terminate()
        return await run(send, compiled, params)

    monkeypatch.setattr(pg_driver, "run", closing_first)
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 3)], expires_at=_later())
    assert len(sends) == 2 and sends[0] == sends[1]  # the same statement, once again
    reservation = await store.get_reservation(order_id)
    assert reservation is not None and reservation.status is ReservationStatus.RESERVED
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (7, 3)


async def test_a_connection_lost_while_the_statement_is_out_fails_it(
    store: SqlProductStore, postgres_url: str
) -> None:
    product = await store.create_product(new_product(stock=10))
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 1)], expires_at=_later())
    holder = await asyncpg.connect(postgres_url)
    try:
        # The commit's statement waits on the product's row lock, then its backend goes.
        async with holder.transaction():
            await holder.execute("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", product.id)
            committing = asyncio.create_task(store.commit_reservation(order_id, now=utcnow()))
            for _ in range(200):
                if await _terminate(postgres_url, "AND wait_event_type = 'Lock'"):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the commit never waited on the lock")
            with pytest.raises(CONNECTION_LOST):
                await committing
    finally:
        await holder.close()
    reservation = await store.get_reservation(order_id)
    assert reservation is not None and reservation.status is ReservationStatus.RESERVED
    committed = await store.commit_reservation(order_id, now=utcnow())  # a fresh connection
    assert committed.status is ReservationStatus.COMMITTED
    after = await store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (9, 0, 1)
