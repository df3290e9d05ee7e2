"""The unit of work: one transaction, and the events that commit with it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop.common.context import get_request_id
from shop.common.events import DomainEvent, cloud_event


class UnitOfWork:
    """`async with uow:` opens a transaction; `commit()` writes pending events and commits.

    Leaving the block without commit rolls everything back, events included: an event
    exists if and only if its change was committed.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        outbox: Table,
        source: str,
        wake_relay: asyncio.Event | None = None,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._source = source
        self._wake_relay = wake_relay
        self._events: list[DomainEvent] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()
        finally:
            await session.close()

    def emit(self, event: DomainEvent) -> None:
        """Queues an event to be written to the outbox by the next commit."""
        self._events.append(event)

    async def commit(self) -> None:
        events, self._events = self._events, []
        if events:
            await self.session.execute(insert(self._outbox), outbox_rows(events, self._source))
        await self.session.commit()
        if events and self._wake_relay is not None:
            self._wake_relay.set()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()


def outbox_rows(events: Sequence[DomainEvent], source: str) -> list[dict[str, Any]]:
    """The outbox rows of these events: CloudEvents carrying the current request id."""
    request_id = get_request_id()
    rows: list[dict[str, Any]] = []
    for event in events:
        envelope = cloud_event(
            event_type=event.type, source=source, data=event.data(), request_id=request_id
        )
        rows.append(
            {
                "event_id": envelope["id"],
                "event_type": event.type,
                "payload": orjson.dumps(envelope).decode(),
                "attempts": 0,
            }
        )
    return rows
