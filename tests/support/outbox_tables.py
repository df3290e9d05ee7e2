"""Outbox tables on a fresh engine, and rows as a service would write them, for relay tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.clock import utcnow
from shop.common.db import create_engine
from shop.common.events import cloud_event
from shop.common.outbox_relay import OutboxRelay
from tests.support.databases import RABBITMQ_URL


def sqlite_or_postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database a fixture parametrised with "sqlite" / "postgresql" asks for."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    return str(request.getfixturevalue("postgres_url"))


@asynccontextmanager
async def engine_with_tables(url: str, metadata: MetaData) -> AsyncIterator[AsyncEngine]:
    """An engine on `url` whose `metadata` tables start empty and are dropped afterwards."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await engine.dispose()


def outbox_row(
    routing_key: str, data: dict[str, Any] | None = None, **columns: object
) -> dict[str, object]:
    """An unpublished outbox row holding a fresh event (`columns` override any field)."""
    event = cloud_event(event_type=routing_key, source="/test", data=data or {}, request_id=None)
    return {
        "event_id": event["id"],
        "event_type": routing_key,
        "payload": orjson.dumps(event).decode(),
        "created_at": utcnow(),
        "attempts": 0,
        "published_at": None,
        **columns,
    }


async def pending_rows(engine: AsyncEngine, outbox: Table) -> int:
    """How many rows of `outbox` are not published yet."""
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


def relay_for(
    engine: AsyncEngine,
    outbox: Table,
    *,
    rabbitmq_url: str = RABBITMQ_URL,
    service: str = "test",
    **options: Any,
) -> OutboxRelay:
    """A relay of `outbox` to the test broker, woken by nobody (it polls)."""
    return OutboxRelay(
        engine=engine,
        outbox=outbox,
        rabbitmq_url=rabbitmq_url,
        service=service,
        wake=asyncio.Event(),
        **options,
    )
