"""The deliveries table on SQLite and PostgreSQL (migrated by Alembic): claims and leases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from shop.common.db import create_engine
from shop.notifications.events import IncomingEvent
from shop.notifications.failures import TransientFailure
from shop.notifications.store import Claim, DeliveryStore, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
async def deliveries(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DeliveryStore]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    await migrate(url)
    engine = create_engine(url)
    yield DeliveryStore(engine)
    await engine.dispose()


def _event() -> IncomingEvent:
    return IncomingEvent(id=uuid.uuid4().hex, type="user.registered", data={}, request_id=None)


async def _claim(
    deliveries: DeliveryStore, event: IncomingEvent, worker: str, lease: float
) -> Claim:
    return await deliveries.claim(
        event,
        recipient="a@b.c",
        subject="s",
        worker_id=worker,
        lease=timedelta(seconds=lease),
    )


async def test_a_fresh_claim_keeps_other_workers_out_until_sent(deliveries: DeliveryStore) -> None:
    event = _event()
    assert await _claim(deliveries, event, "w1", 30) is Claim.MINE
    with pytest.raises(TransientFailure):
        await _claim(deliveries, event, "w2", 30)
    assert await _claim(deliveries, event, "w1", 30) is Claim.MINE  # its own retry
    await deliveries.mark_sent(event.id)
    assert await deliveries.is_sent(event.id)
    assert await _claim(deliveries, event, "w2", 30) is Claim.ALREADY_SENT


async def test_an_expired_claim_is_taken_over(deliveries: DeliveryStore) -> None:
    event = _event()
    assert await _claim(deliveries, event, "dead-worker", 30) is Claim.MINE
    assert await _claim(deliveries, event, "w2", 0.0) is Claim.MINE
    assert not await deliveries.is_sent(event.id)
