"""The composition root: settings -> engine -> password hasher -> Context."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.logging import get_logger
from shop.users import registration
from shop.users.context import Context
from shop.users.passwords import Passwords
from shop.users.settings import UserSettings

log = get_logger("shop.users")


def build(
    settings: UserSettings, *, engine: AsyncEngine | None = None, passwords: Passwords | None = None
) -> Context:
    """The service's context from its settings; tests pass their own engine or hasher."""
    return Context(
        settings=settings,
        engine=engine or create_engine(settings.database_url()),
        passwords=passwords or Passwords(),
        owns_engine=engine is None,
    )


async def ensure_admin(ctx: Context) -> None:
    """Creates or promotes the ADMIN_EMAIL account when ADMIN_EMAIL and ADMIN_PASSWORD are set."""
    email, password = ctx.settings.admin_email, ctx.settings.admin_password
    if not email or not password:
        return
    user = await registration.ensure_admin(
        uow=ctx.uow(), passwords=ctx.passwords, email=email, password=password
    )
    log.info("admin_ensured", user_id=user.id)
