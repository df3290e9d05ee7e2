"""Database engines: URL normalisation and per-dialect settings for the async drivers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

_DRIVERS = {
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(url: str) -> str:
    """The URL with the async driver we use for its dialect (mysql:// -> mysql+asyncmy://)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("database URL must look like scheme://...")
    if "+" in scheme:
        return url
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


def create_engine(url: str, *, pool_size: int = 20, echo: bool = False) -> AsyncEngine:
    """An async engine tuned for its dialect."""
    url = async_url(url)
    backend = make_url(url).get_backend_name()
    # hide_parameters: an error's text then never quotes bound values (password hashes,
    # tokens' digests, addresses) into a log line.
    kwargs: dict[str, Any] = {
        "echo": echo,
        "pool_pre_ping": backend != "sqlite",
        "hide_parameters": True,
    }
    if backend == "sqlite":
        # SQLite allows one writer; a long busy timeout queues writers instead of failing.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        if backend == "mysql":
            # READ COMMITTED, as PostgreSQL: InnoDB's default REPEATABLE READ takes gap locks
            # on every ranged update, and concurrent inserts next to them deadlock (new
            # users adding addresses did). Row locks (FOR UPDATE) and unique keys still hold.
            kwargs["isolation_level"] = "READ COMMITTED"
        # A pool as large as the usual concurrency: connections opened past it are closed
        # again after each use, and that churn costs more than idle connections do.
        kwargs.update(pool_size=pool_size, max_overflow=10, pool_recycle=1800)
    # Looked up at call time, so the SQLAlchemy instrumentation's wrapper applies when on.
    engine = sa_asyncio.create_async_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # pysqlite's own transaction handling is turned off so that "begin" below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN, so read-then-write transactions serialise instead of
    # failing with "database is locked" when two of them upgrade at once.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)
