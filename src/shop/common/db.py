"""Database engines: URL normalisation and per-dialect settings for the async drivers."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, PoolResetState

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


def create_engine(
    url: str, *, pool_size: int = 20, echo: bool = False, autocommit: bool = False
) -> AsyncEngine:
    """An async engine tuned for its dialect.

    `autocommit=True` gives one for reads that are one SELECT each: with no transaction there
    is nothing to end (asyncmy sends a ROLLBACK even after a lone read) and, on SQLite, no
    BEGIN IMMEDIATE taking the write lock for a read. Such an engine needs a pool of its own:
    switching a pooled connection into autocommit and back costs round trips of its own.
    """
    url = async_url(url)
    backend = make_url(url).get_backend_name()
    # hide_parameters: an error's text then never quotes bound values (password hashes,
    # tokens' digests, addresses) into a log line.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if autocommit:
        # Set once per new connection; the rollbacks SQLAlchemy would still send when a
        # connection is closed or pooled are then skipped (the driver says it autocommits).
        kwargs.update(isolation_level="AUTOCOMMIT", skip_autocommit_rollback=True)
    if backend == "sqlite":
        # SQLite allows one writer; a long busy timeout queues writers instead of failing.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        if backend == "mysql" and not autocommit:
            # READ COMMITTED, as PostgreSQL: InnoDB's default REPEATABLE READ takes gap locks
            # on every ranged update, and concurrent inserts next to them deadlock (new
            # users adding addresses did). Row locks (FOR UPDATE) and unique keys still hold.
            kwargs["isolation_level"] = "READ COMMITTED"
        # A pool as large as the usual concurrency: connections opened past it are closed
        # again after each use, and that churn costs more than idle connections do.
        kwargs.update(pool_size=pool_size, max_overflow=10, pool_recycle=1800)
        if backend == "mysql" and not autocommit:
            kwargs["pool_reset_on_return"] = None  # _rollback_only_if_open does it
    # Looked up at call time, so the SQLAlchemy instrumentation's wrapper applies when on.
    engine = sa_asyncio.create_async_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if not autocommit:
            event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    else:
        _ping_after_idle(engine)
    if backend == "mysql" and not autocommit:
        _rollback_only_if_open(engine)
    return engine


_OPEN = "transaction_open"


def _rollback_only_if_open(engine: AsyncEngine) -> None:
    """The pool's reset-on-return, minus its redundant round trip.

    The pool rolls back every connection it takes back, even one whose transaction the
    session has just committed or rolled back. asyncmy sends that ROLLBACK to the server
    (asyncpg knows there is no transaction and sends nothing): a third round trip for a
    one-SELECT read. Here the engine's own begin/commit/rollback tell whether one is open.
    """
    sync = engine.sync_engine

    # An invalidated connection (the server went away) is discarded by the pool, and
    # asking it for its DBAPI connection would raise in the middle of the rollback.
    def began(connection: Any) -> None:
        if not connection.invalidated:
            connection.connection.info[_OPEN] = True

    def ended(connection: Any) -> None:
        if not connection.invalidated:
            connection.connection.info[_OPEN] = False

    def reset(dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState) -> None:
        if state.terminate_only or not state.asyncio_safe:
            return  # the connection is being discarded, not pooled
        if record.info.get(_OPEN, True):  # unknown counts as open
            dbapi_connection.rollback()
            record.info[_OPEN] = False

    event.listen(sync, "begin", began)
    event.listen(sync, "commit", ended)
    event.listen(sync, "rollback", ended)
    event.listen(sync.pool, "reset", reset)


# A pooled connection idle longer than this is pinged before use. SQLAlchemy's
# pool_pre_ping pings at every checkout: a round trip per transaction, a visible share of
# an order's CPU in every service. A connection in steady use has just proved itself, and
# a dead one still fails its first statement, after which SQLAlchemy drops the pool.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_after_idle(engine: AsyncEngine) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    def checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out (or opens) another.
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


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
