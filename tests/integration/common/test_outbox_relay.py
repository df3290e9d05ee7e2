"""The outbox relay against real PostgreSQL, SQLite and RabbitMQ, with the broker down too."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import aio_pika
import orjson
import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.context import set_request_id
from shop.common.db import session_factory
from shop.common.events import EXCHANGE, DomainEvent
from shop.common.outbox import define_outbox_table
from shop.common.publisher import connect
from shop.common.unit_of_work import UnitOfWork
from tests.support.events import bound_queue
from tests.support.outbox_tables import (
    engine_with_tables,
    pending_rows,
    relay_for,
    sqlite_or_postgres_url,
)

DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1/"


@dataclasses.dataclass(frozen=True)
class ThingMade(DomainEvent):
    type: ClassVar[str] = "test.thing_made"
    thing_id: str


metadata = MetaData()
things = Table("things", metadata, Column("id", String(36), primary_key=True))
outbox = define_outbox_table(metadata)


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with engine_with_tables(sqlite_or_postgres_url(request, tmp_path), metadata) as engine:
        yield engine


@pytest.fixture
async def queue() -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    async with bound_queue("test.#") as bound:
        yield bound


async def _make_thing(engine: AsyncEngine, *, commit: bool, wake: asyncio.Event) -> str:
    uow = UnitOfWork(session_factory(engine), outbox=outbox, source="/shop/test", wake_relay=wake)
    thing_id = uuid.uuid4().hex
    async with uow:
        await uow.session.execute(insert(things).values(id=thing_id))
        uow.emit(ThingMade(thing_id=thing_id))
        if commit:
            await uow.commit()
    return thing_id


async def _received(queue: aio_pika.abc.AbstractQueue) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads((await _received_message(queue)).body)
    return body


async def _received_message(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractMessage:
    async with asyncio.timeout(10):
        while True:
            message = await queue.get(fail=False)
            if message is not None:
                await message.ack()
                return message
            await asyncio.sleep(0.05)


async def test_event_exists_iff_change_committed(engine: AsyncEngine) -> None:
    wake = asyncio.Event()
    kept = await _make_thing(engine, commit=True, wake=wake)
    await _make_thing(engine, commit=False, wake=wake)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload))).scalars().all()
    assert [orjson.loads(r)["data"] for r in rows] == [{"thingId": kept}]
    assert wake.is_set()


async def test_relay_publishes_with_confirms_and_marks_sent(
    engine: AsyncEngine, queue: aio_pika.abc.AbstractQueue
) -> None:
    set_request_id("req-relay-1")
    thing_id = await _make_thing(engine, commit=True, wake=asyncio.Event())
    relay = relay_for(engine, outbox)
    try:
        assert await relay.drain_once() == 1
        assert await relay.drain_once() == 0
    finally:
        await relay.close()
    message = await _received_message(queue)
    event = orjson.loads(message.body)
    assert event["type"] == "test.thing_made"
    assert event["data"] == {"thingId": thing_id}
    assert event["requestid"] == "req-relay-1"
    assert event["specversion"] == "1.0" and event["source"] == "/shop/test"
    # What consumers read off the message itself.
    assert (message.message_id, message.type) == (event["id"], "test.thing_made")
    assert message.content_type == "application/cloudevents+json"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.headers == {"x-request-id": "req-relay-1"}
    assert await pending_rows(engine, outbox) == 0


async def test_broker_down_keeps_events_until_it_is_back(
    engine: AsyncEngine, queue: aio_pika.abc.AbstractQueue
) -> None:
    thing_id = await _make_thing(engine, commit=True, wake=asyncio.Event())
    down = relay_for(engine, outbox, rabbitmq_url=DEAD_BROKER, max_backoff_seconds=0.2)
    task = asyncio.create_task(down.run())
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await pending_rows(engine, outbox) == 1

    back = relay_for(engine, outbox, poll_seconds=0.1)
    task = asyncio.create_task(back.run())
    try:
        event = await _received(queue)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await back.close()
    assert event["data"] == {"thingId": thing_id}
    assert EXCHANGE == "shop.events"


async def test_a_connection_that_fails_to_open_is_closed_not_left_to_the_collector() -> None:
    # Left open, its finaliser would schedule close() whenever the collector ran, and where
    # no loop runs (a synchronous test) that coroutine is never awaited.
    with pytest.raises(aio_pika.exceptions.AMQPConnectionError) as failed:
        await connect(DEAD_BROKER, within_seconds=5)
    # The traceback still holds the half-made connection: it must be closed already.
    assert failed.value.__traceback__ is not None
    held = [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, aio_pika.Connection) and obj.url.port == 1
    ]
    assert held and all(connection.is_closed for connection in held)
