"""The notification worker on real RabbitMQ: redelivered events are handled once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.events import cloud_event
from shop.common.outbox_relay import declare_exchange
from shop.notifications.models import delivered_notifications, metadata
from shop.notifications.worker import consume, handle_event
from tests.support.databases import RABBITMQ_URL


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def _event(email: str) -> dict[str, object]:
    return cloud_event(
        event_type="user.registered",
        source="/shop/users",
        data={"userId": "u1", "email": email, "name": "Ann"},
        request_id="r-9",
    )


async def _count(engine: AsyncEngine, event_id: str | None = None) -> int:
    # By event id: other runs sharing the broker publish to shop.events at the same time.
    query = select(func.count()).select_from(delivered_notifications)
    if event_id is not None:
        query = query.where(delivered_notifications.c.event_id == event_id)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_same_event_twice_is_handled_once(engine: AsyncEngine) -> None:
    body = orjson.dumps(_event("ann@example.com"))
    assert await handle_event(engine, body) is True
    assert await handle_event(engine, body) is False
    assert await _count(engine) == 1


async def test_worker_consumes_and_dedups_redeliveries(engine: AsyncEngine) -> None:
    queue = f"notifications-test-{uuid.uuid4().hex[:8]}"
    stop = asyncio.Event()
    worker = asyncio.create_task(
        consume(
            engine,
            rabbitmq_url=RABBITMQ_URL,
            queue_name=queue,
            prefetch=8,
            stop=stop,
            auto_delete=True,
        )
    )
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        exchange = await declare_exchange(channel)
        async with asyncio.timeout(10):
            while True:  # the worker declares and binds its queue once connected
                try:
                    await (await connection.channel()).declare_queue(queue, passive=True)
                    break
                except aio_pika.exceptions.ChannelClosed:
                    await asyncio.sleep(0.1)
        event = _event("bob@example.com")
        for _ in range(3):  # a redelivered message carries the same event id
            await exchange.publish(
                aio_pika.Message(orjson.dumps(event)), routing_key="user.registered"
            )
        async with asyncio.timeout(10):
            while await _count(engine, str(event["id"])) < 1:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert await _count(engine, str(event["id"])) == 1
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
        await connection.close()
