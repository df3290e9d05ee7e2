"""Alembic, driven from code: each service's migrations/env.py delegates here."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shop.common.db import async_url


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # "%" must be doubled for ConfigParser; URLs may carry percent-encoded passwords.
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, url: str) -> None:
    """Applies every migration; safe to call at each start-up (it is a no-op when current)."""
    command.upgrade(alembic_config(migrations_dir, url), "head")


async def upgrade_to_head_async(migrations_dir: Path, url: str) -> None:
    # Alembic's env runs its own event loop for the async engine, so give it a thread.
    await asyncio.to_thread(upgrade_to_head, migrations_dir, url)


def rebuild_index_on_postgresql(
    name: str, table: str, columns: Sequence[str], *, where: str | None = None
) -> None:
    """Inside a migration: drops index `name` and creates it again over `columns`, partial
    when `where` is given, on PostgreSQL only; other dialects keep the index they have
    (MariaDB has no partial indexes, and the embedded SQLite store needs no such saving)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(name, table_name=table)
    op.create_index(
        name, table, list(columns), postgresql_where=None if where is None else text(where)
    )


def _run_with_connection(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run_with_connection, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    asyncio.run(_run_online(metadata))
