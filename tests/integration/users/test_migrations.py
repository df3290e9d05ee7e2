"""The Alembic scripts build the schema from empty, on SQLite and on a fresh MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from shop.common.db import create_engine
from shop.common.migrations import alembic_config
from shop.users.store import MIGRATIONS_DIR, migrate
from tests.support.databases import create_mysql_database, drop_mysql_database

TABLES = {"users", "addresses", "refresh_tokens", "outbox", "alembic_version"}


@pytest.fixture(params=["sqlite", "mariadb"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name, url = create_mysql_database("shop_users_migr")
    try:
        yield url
    finally:
        drop_mysql_database(name)


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _unique_on_users(conn: Connection) -> set[tuple[str, ...]]:
    inspector = inspect(conn)
    constraints = [u["column_names"] for u in inspector.get_unique_constraints("users")]
    indexes = [i["column_names"] for i in inspector.get_indexes("users") if i["unique"]]
    return {tuple(str(c) for c in columns) for columns in constraints + indexes}


async def test_upgrade_from_empty_down_and_up_again(empty_url: str) -> None:
    await migrate(empty_url)
    await migrate(empty_url)  # a no-op when current, as at every start-up
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == TABLES
            assert ("email",) in await conn.run_sync(_unique_on_users)
        await asyncio.to_thread(
            command.downgrade, alembic_config(MIGRATIONS_DIR, empty_url), "base"
        )
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == {"alembic_version"}
        await migrate(empty_url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == TABLES
    finally:
        await engine.dispose()
