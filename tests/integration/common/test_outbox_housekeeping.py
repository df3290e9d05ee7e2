"""Two relays on one outbox, retention of sent rows, and the backlog gauges."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.outbox import define_outbox_table, utcnow
from tests.support.events import bound_queue, received_ids
from tests.support.outbox_tables import (
    engine_with_tables,
    outbox_row,
    pending_rows,
    relay_for,
    sqlite_or_postgres_url,
)

metadata = MetaData()
outbox = define_outbox_table(metadata)


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    async with engine_with_tables(postgres_url, metadata) as engine:
        yield engine


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with engine_with_tables(sqlite_or_postgres_url(request, tmp_path), metadata) as engine:
        yield engine


async def _pending(engine: AsyncEngine) -> int:
    return await pending_rows(engine, outbox)


async def test_two_relays_on_one_postgres_outbox_never_publish_a_row_twice(
    pg_engine: AsyncEngine,
) -> None:
    routing_key = f"test.shared.{uuid.uuid4().hex[:8]}"
    async with bound_queue(routing_key, name=routing_key) as queue:
        async with pg_engine.begin() as conn:
            await conn.execute(insert(outbox), [outbox_row(routing_key) for _ in range(1500)])
        relays = [relay_for(pg_engine, outbox, batch_size=50, poll_seconds=0.05) for _ in range(2)]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        try:
            async with asyncio.timeout(90):
                while await _pending(pg_engine):
                    await asyncio.sleep(0.05)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        seen = await received_ids(queue, 1500)
        await asyncio.sleep(0.3)
        assert await queue.get(fail=False) is None
        assert len(seen) == 1500 and set(seen.values()) == {1}


async def test_retention_deletes_only_sent_rows_older_than_the_limit(engine: AsyncEngine) -> None:
    now = utcnow()
    rows = {
        "old_sent": outbox_row(
            "t", created_at=now - timedelta(hours=30), published_at=now - timedelta(hours=25)
        ),
        "recent_sent": outbox_row(
            "t", created_at=now - timedelta(hours=2), published_at=now - timedelta(hours=1)
        ),
        "old_unsent": outbox_row("t", created_at=now - timedelta(hours=30)),
    }
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), list(rows.values()))
    relay = relay_for(engine, outbox, retention_hours=24)
    assert await relay.prune_sent() == 1
    async with engine.connect() as conn:
        left = set((await conn.execute(select(outbox.c.event_id))).scalars())
    assert left == {rows["recent_sent"]["event_id"], rows["old_unsent"]["event_id"]}


async def test_retention_works_in_bounded_batches(pg_engine: AsyncEngine) -> None:
    sent = utcnow() - timedelta(hours=48)
    async with pg_engine.begin() as conn:
        rows = [outbox_row("t", published_at=sent) for _ in range(2500)]
        await conn.execute(insert(outbox), rows)
    assert await relay_for(pg_engine, outbox).prune_sent() == 2500


async def test_backlog_gauges_count_pending_rows_and_the_oldest_age(engine: AsyncEngine) -> None:
    service = f"gauge-{uuid.uuid4().hex[:6]}"
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            insert(outbox),
            [
                outbox_row("t", created_at=now - timedelta(seconds=120)),
                outbox_row("t", created_at=now - timedelta(seconds=5)),
                outbox_row("t", created_at=now - timedelta(seconds=500), published_at=now),
            ],
        )
    await relay_for(engine, outbox, service=service).refresh_backlog()
    labels = {"service": service}
    assert REGISTRY.get_sample_value("outbox_pending", labels) == 2
    age = REGISTRY.get_sample_value("outbox_oldest_pending_age_seconds", labels)
    assert age is not None and 119 <= age < 200
