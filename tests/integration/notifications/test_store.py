"""The deliveries table on SQLite and PostgreSQL (migrated by Alembic): claims and leases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.migrations import upgrade_to_head_async
from shop.notifications import store
from shop.notifications.__main__ import MIGRATIONS
from shop.notifications.events import IncomingEvent
from shop.notifications.failures import TransientFailure


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    await upgrade_to_head_async(MIGRATIONS, url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


def _event() -> IncomingEvent:
    return IncomingEvent(id=uuid.uuid4().hex, type="user.registered", data={}, request_id=None)


async def _claim(
    engine: AsyncEngine, event: IncomingEvent, worker: str, lease: float
) -> store.Claim:
    return await store.claim(
        engine,
        event,
        recipient="a@b.c",
        subject="s",
        worker_id=worker,
        lease=timedelta(seconds=lease),
    )


async def test_a_fresh_claim_keeps_other_workers_out_until_sent(engine: AsyncEngine) -> None:
    event = _event()
    assert await _claim(engine, event, "w1", 30) is store.Claim.MINE
    with pytest.raises(TransientFailure):
        await _claim(engine, event, "w2", 30)
    assert await _claim(engine, event, "w1", 30) is store.Claim.MINE  # its own retry
    await store.mark_sent(engine, event.id)
    assert await store.is_sent(engine, event.id)
    assert await _claim(engine, event, "w2", 30) is store.Claim.ALREADY_SENT


async def test_an_expired_claim_is_taken_over(engine: AsyncEngine) -> None:
    event = _event()
    assert await _claim(engine, event, "dead-worker", 30) is store.Claim.MINE
    assert await _claim(engine, event, "w2", 0.0) is store.Claim.MINE
    assert not await store.is_sent(engine, event.id)
