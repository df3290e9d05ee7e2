"""The SQL outbox relay's claim and mark on PostgreSQL, straight on asyncpg.

Through SQLAlchemy's execution each round's SELECT and UPDATE paid a greenlet hop, result
wrapping and, for the UPDATE, a statement built and compiled again (its IN list grows with
the batch), which cost the relay more CPU than its SQL. Here both statements are fixed
(the ids go as one array) and compiled once; the rows stay locked from claim to commit, as
before, so two relays on one outbox never share a row.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common import pg_driver
from shop.common.outbox import utcnow
from shop.common.publisher import OutgoingEvent


class PgOutboxBatch:
    def __init__(
        self, conn: asyncpg.Connection, mark: pg_driver.Compiled, events: list[OutgoingEvent]
    ) -> None:
        self._conn = conn
        self._mark = mark
        self.events: Sequence[OutgoingEvent] = events

    async def mark_sent(self, keys: Sequence[Any]) -> None:
        params = {"ids": list(keys), "at": utcnow()}
        await pg_driver.run(self._conn.execute, self._mark, params)


class PgOutboxClaims:
    """`SqlOutboxSource.claim` on the relay's own asyncpg connection (a pool of one)."""

    def __init__(self, engine: AsyncEngine, outbox: Table) -> None:
        self._db = pg_driver.PgDatabase(engine, size=1)
        table = outbox.name
        self._claim = self._db.compile(
            text(
                f"SELECT id, event_id, event_type, payload FROM {table} "
                "WHERE published_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
            )
        )
        self._mark = self._db.compile(
            text(
                f"UPDATE {table} SET published_at = CAST(:at AS timestamptz) "
                "WHERE id = ANY(CAST(:ids AS bigint[]))"
            )
        )

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[PgOutboxBatch]:
        conn, transaction = await self._db.begin()
        try:
            rows = await pg_driver.run(conn.fetch, self._claim, {"limit": limit})
            events = [OutgoingEvent(r[0], r[1], r[2], r[3]) for r in rows]
            yield PgOutboxBatch(conn, self._mark, events)
            await transaction.commit()
            transaction = None
        finally:
            if transaction is not None:
                # A failed ROLLBACK must not hide why: the pool's reset rolls back again.
                with contextlib.suppress(Exception):
                    await transaction.rollback()
            await self._db.release(conn)

    async def close(self) -> None:
        await self._db.close()
