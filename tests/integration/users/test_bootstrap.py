"""The composition root: build() wires the context, aclose() releases only what it opened."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import QueuePool, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.users.api import create_app
from shop.users.bootstrap import build, migrate
from shop.users.context import Context
from tests.integration.users.support import SECRET, make_settings, register


def pooled(engine: AsyncEngine) -> int:
    """Connections the engine keeps open for reuse."""
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedin()


async def test_build_opens_the_settings_store_and_aclose_releases_it(tmp_path: Path) -> None:
    settings = make_settings(data_dir=tmp_path)
    await migrate(settings)
    ctx = build(settings)
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://users", headers={"x-gateway-secret": SECRET}
    ) as client:
        user = await register(client)
    assert (tmp_path / "users.db").exists()
    async with ctx.uow() as uow:
        assert (await uow.users.get(user["id"])) is not None
    assert pooled(ctx.engine) > 0  # pooled connections, kept open for reuse
    await ctx.aclose()
    assert pooled(ctx.engine) == 0


async def test_aclose_leaves_an_engine_it_was_given_open(ctx: Context, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    before = pooled(engine)
    await build(ctx.settings, engine=engine).aclose()
    assert pooled(engine) == before > 0
