"""The per-process container of the user service: settings, engine, sessions, hasher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shop.common.db import create_engine, session_factory
from shop.users.events import SOURCE
from shop.users.passwords import Passwords
from shop.users.settings import UserSettings
from shop.users.store.models import outbox
from shop.users.store.unit_of_work import UserUnitOfWork


@dataclass
class UserContext:
    """Everything a request needs; one per process (tests build their own)."""

    settings: UserSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def uow(self) -> UserUnitOfWork:
        """A fresh unit of work whose commits wake the outbox relay."""
        return UserUnitOfWork(self.sessions, outbox=outbox, source=SOURCE, wake_relay=self.wake)


def build_context(
    settings: UserSettings, *, engine: AsyncEngine | None = None, passwords: Passwords | None = None
) -> UserContext:
    engine = engine or create_engine(settings.database_url())
    return UserContext(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        passwords=passwords or Passwords(),
    )
