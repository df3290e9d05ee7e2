"""The composition root: settings -> engine, reads -> password hasher, outbox relay -> Context."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import async_url, create_engine
from shop.common.logging import get_logger
from shop.common.sql_relay import sql_outbox_relay
from shop.users import registration
from shop.users.context import Context
from shop.users.passwords import Passwords
from shop.users.settings import UserSettings
from shop.users.store import migrate as migrate_store
from shop.users.store.models import outbox
from shop.users.store.mysql_user_reads import POOL_SIZE, MySqlUserReads
from shop.users.store.user_reads import EngineUserReads, UserReads

log = get_logger("shop.users")


async def migrate(settings: UserSettings) -> None:
    """Brings the configured database's schema to head (a no-op when current)."""
    await migrate_store(settings.database_url())


def build(
    settings: UserSettings, *, engine: AsyncEngine | None = None, passwords: Passwords | None = None
) -> Context:
    """The service's context from its settings; tests pass their own engine or hasher."""
    engine_ = engine or create_engine(settings.database_url())
    wake = asyncio.Event()
    return Context(
        settings=settings,
        engine=engine_,
        reads=open_user_reads(engine_.url.render_as_string(hide_password=False)),
        passwords=passwords or Passwords(),
        owns_engine=engine is None,
        wake_relay=wake,
        outbox_relay=sql_outbox_relay(
            settings, engine=engine_, outbox=outbox, service="users", wake=wake
        ),
    )


def open_user_reads(url: str) -> UserReads:
    """The reads outside a unit of work (ValidateUser's): straight on asyncmy on
    MySQL/MariaDB, else on an engine of their own in autocommit."""
    if make_url(async_url(url)).get_backend_name() in ("mysql", "mariadb"):
        return MySqlUserReads(url)
    # A smaller pool than the writers', as MySqlUserReads': one SELECT holds it briefly.
    return EngineUserReads(create_engine(url, pool_size=POOL_SIZE, autocommit=True))


async def ensure_admin(ctx: Context) -> None:
    """Creates or promotes the ADMIN_EMAIL account when ADMIN_EMAIL and ADMIN_PASSWORD are set."""
    email, password = ctx.settings.admin_email, ctx.settings.admin_password
    if not email or not password:
        return
    user = await registration.ensure_admin(
        uow=ctx.uow(), passwords=ctx.passwords, email=email, password=password
    )
    log.info("admin_ensured", user_id=user.id)
