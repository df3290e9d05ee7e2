"""Catch-up after a broker outage: a 5,000-event backlog drained by one relay.

The figure (events/s) is printed for the record; the assertions only check that every
row went out exactly once, within a loose bound that no healthy machine comes near.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import aio_pika
import orjson
import pytest
from sqlalchemy import MetaData, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.events import cloud_event
from shop.common.outbox import define_outbox_table, utcnow
from shop.common.outbox_relay import OutboxRelay, declare_exchange
from tests.support.databases import RABBITMQ_URL

BACKLOG = 5_000
metadata = MetaData()
outbox = define_outbox_table(metadata)


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


async def _backlog(engine: AsyncEngine, routing_key: str) -> None:
    """Rows written while the broker was away (the relay was not running)."""
    rows = []
    for n in range(BACKLOG):
        event = cloud_event(event_type=routing_key, source="/test", data={"n": n}, request_id=None)
        rows.append(
            {
                "event_id": event["id"],
                "event_type": routing_key,
                "payload": orjson.dumps(event).decode(),
                "created_at": utcnow(),
                "attempts": 0,
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), rows)


async def _pending(engine: AsyncEngine) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


@pytest.mark.timeout(400)
async def test_backlog_of_5000_is_published_once_each(engine: AsyncEngine) -> None:
    routing_key = f"test.catchup.{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(RABBITMQ_URL)
    channel = await connection.channel()
    queue = await channel.declare_queue(routing_key, exclusive=True, auto_delete=True)
    await queue.bind(await declare_exchange(channel), routing_key=routing_key)
    await _backlog(engine, routing_key)
    relay = OutboxRelay(
        engine=engine,
        outbox=outbox,
        rabbitmq_url=RABBITMQ_URL,
        service="test",
        wake=asyncio.Event(),
        poll_seconds=0.05,
    )
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(300):
            while await _pending(engine):
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    print(
        f"\nrelay catch-up: {BACKLOG} events in {elapsed:.2f}s = {BACKLOG / elapsed:.0f} events/s"
    )
    async with asyncio.timeout(30):
        while (await queue.declare(timeout=5)).message_count < BACKLOG:
            await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)
    assert (await queue.declare(timeout=5)).message_count == BACKLOG
    await connection.close()
