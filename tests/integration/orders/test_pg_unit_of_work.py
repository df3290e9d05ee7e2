"""The PostgreSQL unit of work (writes on asyncpg) against the generic one on the same
database: the same rows, the same errors, the same all-or-nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.clock import utcnow
from shop.common.db import create_engine
from shop.common.ids import new_id
from shop.common.pg_driver import PgDatabase
from shop.orders.domain import IdempotencyKeyTaken, Order, OrderStatus, PricedLine, StatusMove
from shop.orders.events import OrderCreated
from shop.orders.payments.charges import Charge, ChargeStatus
from shop.orders.ports import OrderUnitOfWork
from shop.orders.store import migrate
from shop.orders.store.models import order_items, order_status_history, orders, outbox, payments
from shop.orders.store.pg_unit_of_work import PgUnitOfWork
from shop.orders.store.unit_of_work import SqlUnitOfWork

S = OrderStatus
Kind = Callable[[], OrderUnitOfWork]


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[PgDatabase]:
    db = PgDatabase(engine, size=4)
    yield db
    await db.close()


@pytest.fixture
def kinds(engine: AsyncEngine, db: PgDatabase) -> dict[str, Kind]:
    return {
        "generic": lambda: SqlUnitOfWork(engine, wake_relay=None),
        "asyncpg": lambda: PgUnitOfWork(engine, db, wake_relay=None),
    }


def _order(*, key: str | None = None, user_id: str | None = None) -> Order:
    now = utcnow()
    return Order(
        id=new_id(),
        user_id=user_id or new_id(),
        user_email="a@example.com",
        status=S.PENDING,
        items=(PricedLine("p-1", 2, 500, "Lamp"), PricedLine("p-2", 1, 250, "")),
        total=1250,
        shipping_address={"street": "1 Main St", "city": "Oslo"},
        created_at=now,
        updated_at=now,
        idempotency_key=key,
        request_hash="h",
        driver_id="d",
        lease_until=now + timedelta(seconds=30),
    )


def _created(order: Order) -> OrderCreated:
    return OrderCreated(
        order_id=order.id,
        user_id=order.user_id,
        email=order.user_email,
        status=S.CONFIRMED.value,
        total=order.total,
        items=[{"productId": "p-1"}],
        shipping_address=order.shipping_address,
    )


async def _place_and_confirm(uow_of: Kind, order: Order) -> bool:
    async with uow_of() as uow:
        await uow.orders.add(order, reason="placed")
        await uow.commit()
    charge = Charge(f"ch_{order.id}", order.id, order.total, ChargeStatus.SUCCEEDED)
    async with uow_of() as uow:
        await uow.payments.record(charge, provider="mock")
        uow.emit(_created(order))
        return await uow.commit_move(
            StatusMove(order.id, S.PENDING, S.CONFIRMED, "paid", at=utcnow())
        )


async def _rows(engine: AsyncEngine, order_id: str) -> dict[str, Any]:
    """What was stored for an order, minus what differs by order (ids, times)."""
    async with engine.connect() as conn:
        order = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        items = await conn.execute(
            select(order_items).where(order_items.c.order_id == order_id).order_by(order_items.c.id)
        )
        history = await conn.execute(
            select(order_status_history)
            .where(order_status_history.c.order_id == order_id)
            .order_by(order_status_history.c.id)
        )
        paid = await conn.execute(select(payments).where(payments.c.order_id == order_id))
        events = await conn.execute(select(outbox).order_by(outbox.c.id))
    skip = {"id", "order_id", "user_id", "charge_id", "created_at", "updated_at", "at"}
    skip |= {"lease_until"}
    return {
        "order": {k: v for k, v in order._mapping.items() if k not in skip},
        "items": [{k: v for k, v in r._mapping.items() if k not in skip} for r in items],
        "history": [{k: v for k, v in r._mapping.items() if k not in skip} for r in history],
        "payments": [{k: v for k, v in r._mapping.items() if k not in skip} for r in paid],
        "events": [
            (r.event_type, r.attempts, r.published_at)
            for r in events
            if orjson.loads(r.payload)["data"]["orderId"] == order_id
        ],
    }


async def test_both_write_the_same_rows(engine: AsyncEngine, kinds: dict[str, Kind]) -> None:
    stored = {}
    for name, uow_of in kinds.items():
        order = _order(key="same-key")
        assert await _place_and_confirm(uow_of, order)
        stored[name] = await _rows(engine, order.id)
        async with uow_of() as uow:
            read = await uow.orders.get(order.id)
        assert read is not None and read.status is S.CONFIRMED
        assert [(h.from_status, h.to_status) for h in read.history] == [
            (None, S.PENDING),
            (S.PENDING, S.CONFIRMED),
        ]
    assert stored["asyncpg"] == stored["generic"]
    assert stored["asyncpg"]["payments"] == [
        {"provider": "mock", "amount": 1250, "status": "SUCCEEDED"}
    ]
    assert [e[0] for e in stored["asyncpg"]["events"]] == ["order.created"]


@pytest.mark.parametrize("kind", ["generic", "asyncpg"])
async def test_a_used_key_is_taken_and_nothing_is_written(
    engine: AsyncEngine, kinds: dict[str, Kind], kind: str
) -> None:
    first = _order(key="key-1")
    twin = replace(_order(key="key-1"), user_id=first.user_id)
    async with kinds[kind]() as uow:
        await uow.orders.add(first, reason="placed")
        await uow.commit()
    with pytest.raises(IdempotencyKeyTaken):
        async with kinds[kind]() as uow:
            await uow.orders.add(twin, reason="placed")
            await uow.commit()
    async with kinds[kind]() as uow:
        assert await uow.orders.get(twin.id) is None
        found = await uow.orders.find_by_key(first.user_id, "key-1")
    assert found is not None and found.id == first.id


@pytest.mark.parametrize("kind", ["generic", "asyncpg"])
async def test_leaving_on_an_exception_writes_nothing(
    engine: AsyncEngine, kinds: dict[str, Kind], kind: str
) -> None:
    order = _order()
    async with kinds[kind]() as uow:
        await uow.orders.add(order, reason="placed")
        await uow.commit()
    with pytest.raises(RuntimeError):
        async with kinds[kind]() as uow:
            assert await uow.orders.move(StatusMove(order.id, S.PENDING, S.CANCELLED, "no"))
            await uow.orders.mark_settled(order.id)
            uow.emit(_created(order))
            raise RuntimeError("before the commit")
    async with kinds[kind]() as uow:
        after = await uow.orders.get(order.id)
    assert after is not None and after.status is S.PENDING and len(after.history) == 1
    assert (await _rows(engine, order.id))["events"] == []


@pytest.mark.parametrize("kind", ["generic", "asyncpg"])
async def test_a_lost_move_writes_neither_its_payment_nor_its_event(
    engine: AsyncEngine, kinds: dict[str, Kind], kind: str
) -> None:
    order = _order()
    assert await _place_and_confirm(kinds[kind], order)
    assert not await _place_and_confirm_again(kinds[kind], order)
    rows = await _rows(engine, order.id)
    assert [e[0] for e in rows["events"]] == ["order.created"]
    assert [p["status"] for p in rows["payments"]] == ["SUCCEEDED"]
    assert [h["to_status"] for h in rows["history"]] == ["PENDING", "CONFIRMED"]


async def _place_and_confirm_again(uow_of: Kind, order: Order) -> bool:
    charge = Charge(f"ch_{order.id}", order.id, order.total, ChargeStatus.REFUNDED)
    async with uow_of() as uow:
        await uow.payments.record(charge, provider="mock")
        uow.emit(_created(order))
        return await uow.commit_move(StatusMove(order.id, S.PENDING, S.CONFIRMED, "again"))


async def test_one_write_goes_out_without_a_transaction(
    kinds: dict[str, Kind], db: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_transaction() -> None:
        raise AssertionError("BEGIN sent for a single statement")

    monkeypatch.setattr(db, "begin", no_transaction)
    order = _order()
    assert await _place_and_confirm(kinds["asyncpg"], order)
    # A move that must answer before the commit opens one.
    with pytest.raises(AssertionError, match="BEGIN"):
        async with kinds["asyncpg"]() as uow:
            await uow.orders.move(StatusMove(order.id, S.CONFIRMED, S.SHIPPED, ""))


async def test_claims_leases_and_settlement_on_asyncpg(kinds: dict[str, Kind]) -> None:
    order = _order()
    now = utcnow()
    async with kinds["asyncpg"]() as uow:
        await uow.orders.add(replace(order, lease_until=now - timedelta(seconds=1)), reason="")
        await uow.commit()
    async with kinds["asyncpg"]() as uow:
        held = now + timedelta(minutes=1)
        assert await uow.orders.claim(order.id, driver_id="me", now=now, until=held)
        assert not await uow.orders.claim(order.id, driver_id="you", now=now, until=held)
        await uow.commit()
    later = now + timedelta(minutes=5)
    async with kinds["asyncpg"]() as uow:
        await uow.orders.renew_leases([order.id, new_id()], driver_id="me", until=later)
        await uow.commit()
    async with kinds["asyncpg"]() as uow:
        stored = await uow.orders.get(order.id)
        assert stored is not None and stored.driver_id == "me" and stored.lease_until == later
        await uow.orders.move(StatusMove(order.id, S.PENDING, S.CANCELLED, "x"))
        await uow.orders.mark_settled(order.id)
        await uow.commit()
    async with kinds["asyncpg"]() as uow:
        assert await uow.orders.unsettled_ids_before([S.CANCELLED], before=later, limit=9) == []


async def test_connections_the_server_dropped_are_replaced(
    kinds: dict[str, Kind], postgres_url: str
) -> None:
    placed = [_order() for _ in range(3)]
    for order in placed:
        assert await _place_and_confirm(kinds["asyncpg"], order)
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    order = _order()
    assert await _place_and_confirm(kinds["asyncpg"], order)
    async with kinds["asyncpg"]() as uow:
        assert await uow.orders.move(StatusMove(order.id, S.CONFIRMED, S.SHIPPED, ""))
        await uow.commit()
