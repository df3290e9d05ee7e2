"""User-service fixtures: the same tests on MariaDB and on SQLite, migrated from empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.users.api import create_app
from shop.users.bootstrap import build
from shop.users.context import Context
from shop.users.passwords import Passwords
from shop.users.store import migrate
from tests.integration.users.support import FAST_HASHER, SECRET, make_settings, register


@pytest.fixture(scope="session", params=["sqlite", "mariadb"])
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """A database migrated from empty by our Alembic scripts, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('users') / 'users.db'}"
    else:
        url = request.getfixturevalue("databases").mysql("users")
    await migrate(url)
    built = create_engine(url)
    yield built
    await built.dispose()


@pytest.fixture
async def ctx(engine: AsyncEngine) -> AsyncIterator[Context]:
    built = build(make_settings(), engine=engine, passwords=Passwords(FAST_HASHER))
    yield built
    await built.aclose()  # its read engine; the shared engine stays open


@pytest.fixture
async def client(ctx: Context) -> AsyncIterator[httpx.AsyncClient]:
    """The REST app in process, called as the gateway would (with the secret)."""
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://users", headers={"x-gateway-secret": SECRET}
    ) as http:
        yield http


@pytest.fixture
async def user(client: httpx.AsyncClient) -> dict[str, Any]:
    """A registered user (its REST shape)."""
    return await register(client)
