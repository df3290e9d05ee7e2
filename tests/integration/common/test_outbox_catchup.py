"""Catch-up after a broker outage: a 5,000-event backlog drained by one relay.

The figure (events/s) is printed for the record; the assertions only check that every
row went out exactly once, within a loose bound that no healthy machine comes near.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.outbox import define_outbox_table
from tests.support.events import bound_queue
from tests.support.outbox_tables import engine_with_tables, outbox_row, pending_rows, relay_for

BACKLOG = 5_000
metadata = MetaData()
outbox = define_outbox_table(metadata)


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    async with engine_with_tables(postgres_url, metadata) as engine:
        yield engine


async def _backlog(engine: AsyncEngine, routing_key: str) -> None:
    """Rows written while the broker was away (the relay was not running)."""
    rows = [outbox_row(routing_key, {"n": n}) for n in range(BACKLOG)]
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), rows)


async def _pending(engine: AsyncEngine) -> int:
    return await pending_rows(engine, outbox)


@pytest.mark.timeout(400)
async def test_backlog_of_5000_is_published_once_each(engine: AsyncEngine) -> None:
    routing_key = f"test.catchup.{uuid.uuid4().hex[:8]}"
    async with bound_queue(routing_key, name=routing_key) as queue:
        await _backlog(engine, routing_key)
        relay = relay_for(engine, outbox, poll_seconds=0.05)
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
        rate = BACKLOG / elapsed
        print(f"\nrelay catch-up: {BACKLOG} events in {elapsed:.2f}s = {rate:.0f} events/s")
        async with asyncio.timeout(30):
            while ((await queue.declare(timeout=5)).message_count or 0) < BACKLOG:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        assert (await queue.declare(timeout=5)).message_count == BACKLOG
