"""The user service's context: what routes, the servicer and start-up reach, built once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shop.common.db import session_factory
from shop.common.relay_loop import RelayLoop
from shop.users.events import SOURCE
from shop.users.passwords import Passwords
from shop.users.settings import UserSettings
from shop.users.store.models import outbox
from shop.users.store.unit_of_work import UserUnitOfWork
from shop.users.store.user_reads import UserReads


@dataclass(kw_only=True, eq=False)
class Context:
    """Settings and the service's ports; one per process (tests build their own)."""

    settings: UserSettings
    engine: AsyncEngine
    # Reads of one SELECT on a pool of their own in autocommit (see store/user_reads.py);
    # built by build() even from a test's engine, so always aclose()'s to close.
    reads: UserReads
    passwords: Passwords
    # An engine a test passed to build() is the test's to dispose, not aclose()'s.
    owns_engine: bool = True
    # Set by every commit that wrote an event, so the outbox relay need not wait for a poll.
    wake_relay: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_relay: RelayLoop | None = None  # None without a broker (RABBITMQ_URL unset)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = session_factory(self.engine)

    def uow(self) -> UserUnitOfWork:
        """A fresh unit of work whose commits wake the outbox relay."""
        return UserUnitOfWork(
            self.sessions, outbox=outbox, source=SOURCE, wake_relay=self.wake_relay
        )

    async def aclose(self) -> None:
        """Releases what build() opened."""
        await self.reads.aclose()
        if self.owns_engine:
            await self.engine.dispose()
