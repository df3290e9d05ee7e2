"""The SQL outbox relay: the shared loop and publisher over a service's outbox table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.common.clock import as_utc
from shop.common.outbox import utcnow
from shop.common.pg_outbox import PgOutboxClaims
from shop.common.publisher import EventPublisher, OutgoingEvent, declare_exchange
from shop.common.relay_loop import ClaimedBatch, RelayLoop

__all__ = ["OutboxRelay", "SqlOutboxSource", "declare_exchange"]


@dataclass
class _SqlBatch:
    conn: AsyncConnection
    outbox: Table
    events: Sequence[OutgoingEvent]

    async def mark_sent(self, keys: Sequence[Any]) -> None:
        await self.conn.execute(
            update(self.outbox).where(self.outbox.c.id.in_(keys)).values(published_at=utcnow())
        )


class SqlOutboxSource:
    def __init__(self, engine: AsyncEngine, outbox: Table) -> None:
        self._engine = engine
        self._outbox = outbox
        # Each round's claim and mark, the relay's own statements, skip SQLAlchemy there.
        self._pg = (
            PgOutboxClaims(engine, outbox) if engine.url.get_driver_name() == "asyncpg" else None
        )

    def claim(self, limit: int) -> AbstractAsyncContextManager[ClaimedBatch]:
        if self._pg is not None:
            return self._pg.claim(limit)
        return self._claim(limit)

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()

    @asynccontextmanager
    async def _claim(self, limit: int) -> AsyncIterator[_SqlBatch]:
        o = self._outbox
        query = (
            select(o.c.id, o.c.event_id, o.c.event_type, o.c.payload)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            if conn.dialect.name != "sqlite":
                # Rows stay locked until commit: two relays on one outbox never share a row.
                query = query.with_for_update(skip_locked=True)
            rows = (await conn.execute(query)).all()
            events = [OutgoingEvent(r.id, r.event_id, r.event_type, r.payload) for r in rows]
            yield _SqlBatch(conn, o, events)
            await conn.commit()

    async def backlog(self) -> tuple[int, datetime | None]:
        o = self._outbox
        query = select(func.count(), func.min(o.c.created_at)).where(o.c.published_at.is_(None))
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(query)).one()
        return int(count), None if oldest is None else as_utc(oldest)

    async def prune(self, *, sent_before: datetime, limit: int) -> int:
        o = self._outbox
        # Ids first, then delete: MariaDB refuses LIMIT inside an IN subquery.
        async with self._engine.begin() as conn:
            ids = (
                (
                    await conn.execute(
                        select(o.c.id)
                        .where(o.c.published_at < sent_before)
                        .order_by(o.c.id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
            if ids:
                await conn.execute(delete(o).where(o.c.id.in_(ids)))
        return len(ids)


class OutboxRelay(RelayLoop):
    """A background task per process: drain the outbox, wait for a wake-up or a poll tick."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        outbox: Table,
        rabbitmq_url: str,
        service: str,
        wake: asyncio.Event,
        **options: Any,
    ) -> None:
        self._sql_source = SqlOutboxSource(engine, outbox)
        super().__init__(
            source=self._sql_source,
            publisher=EventPublisher(rabbitmq_url=rabbitmq_url, service=service),
            service=service,
            wake=wake,
            **options,
        )

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            await self._sql_source.close()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self._sql_source.close()
