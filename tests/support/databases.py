"""Fresh, uniquely named databases on the real servers, one per test run."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncmy
import asyncpg  # type: ignore[import-untyped]  # no stubs published

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MYSQL_HOST = os.environ.get("TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("TEST_MYSQL_PORT", "3306"))
MYSQL_USER = os.environ.get("TEST_MYSQL_USER", "root")
MYSQL_PASSWORD = os.environ.get("TEST_MYSQL_PASSWORD", "")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _run(coro: Coroutine[Any, Any, None]) -> None:
    # In a thread of its own, so callers may sit inside a running event loop (async fixtures).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def _pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _mysql_exec(sql: str) -> None:
    conn = await asyncmy.connect(
        host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password=MYSQL_PASSWORD
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(sql)
    finally:
        conn.close()


def create_postgres_database(prefix: str) -> tuple[str, str]:
    """(name, url) of a new empty PostgreSQL database."""
    name = unique_name(prefix)
    _run(_pg_exec(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_postgres_database(name: str) -> None:
    _run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_mysql_database(prefix: str) -> tuple[str, str]:
    """(name, url) of a new empty MariaDB/MySQL database (utf8mb4)."""
    name = unique_name(prefix)
    _run(_mysql_exec(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    auth = MYSQL_USER + (f":{MYSQL_PASSWORD}" if MYSQL_PASSWORD else "")
    return name, f"mysql://{auth}@{MYSQL_HOST}:{MYSQL_PORT}/{name}"


def drop_mysql_database(name: str) -> None:
    _run(_mysql_exec(f"DROP DATABASE IF EXISTS `{name}`"))


@dataclass(frozen=True)
class PlatformDatabases:
    """URLs of the databases one whole platform needs."""

    users: str  # MariaDB
    products: str  # PostgreSQL
    orders: str  # PostgreSQL


@contextmanager
def platform_databases(prefix: str) -> Iterator[PlatformDatabases]:
    """Fresh users, products and orders databases, dropped when the block ends."""
    users_db, users_url = create_mysql_database(f"{prefix}_users")
    products_db, products_url = create_postgres_database(f"{prefix}_products")
    orders_db, orders_url = create_postgres_database(f"{prefix}_orders")
    try:
        yield PlatformDatabases(users=users_url, products=products_url, orders=orders_url)
    finally:
        drop_mysql_database(users_db)
        drop_postgres_database(products_db)
        drop_postgres_database(orders_db)
