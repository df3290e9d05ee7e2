"""The asyncpg plumbing of the PostgreSQL paths that skip SQLAlchemy's execution (the
product store's catalog reads and stock transactions, the order store's writes): a pool
opened on first use, the store's Core statements compiled once to asyncpg's SQL, and a
transaction or a lone statement on a pooled connection that the server may have dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common import tracing
from shop.common.pg_pool import ConnectionPool

T = TypeVar("T")

# Lost connections show up as these.
CONNECTION_LOST = (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)
# On the default event loop, a connection whose server process was stopped may still be
# reading that news when BEGIN goes out, and refuses it as an operation in progress.
_DEAD_AT_BEGIN = (*CONNECTION_LOST, asyncpg.InternalClientError)
# Raised before a statement goes out (a connection known closed, or busy reading that news):
# the statement never reached the server. A connection lost while it was out
# (ConnectionDoesNotExistError) may have run it.
_NOT_SENT = (asyncpg.InterfaceError, asyncpg.InternalClientError)


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in $1, $2... order
    defaults: dict[str, Any]  # values SQLAlchemy bound from literals (e.g. `stock > 0`)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments of the statement for these named values."""
        values = {**self.defaults, **params}
        return [values[name] for name in self.names]


async def run(
    send: Callable[..., Awaitable[T]], compiled: Compiled, params: Mapping[str, Any]
) -> T:
    """`send(sql, *args)` (a connection's `fetchrow`, `fetch`, `fetchval` or `execute`) for
    the compiled statement and these values, in a database span when tracing is on: no
    instrumentation sees statements sent straight on asyncpg."""
    with tracing.database_call("postgresql", compiled.sql):
        return await send(compiled.sql, *compiled.args(params))


class CompiledStatements:
    """Each statement compiled once, for the engine's dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[int, tuple[Executable, Compiled]] = {}

    def __call__(self, statement: Executable) -> Compiled:
        # Statements are long-lived (module constants and an LRU of catalog shapes); the
        # entry keeps the statement alive so its id cannot be reused by another one.
        entry = self._compiled.get(id(statement))
        if entry is None:
            compiled = statement.compile(dialect=self._dialect)  # type: ignore[attr-defined]
            names = tuple(compiled.positiontup or ())
            entry = (statement, Compiled(compiled.string, names, dict(compiled.params)))
            self._compiled[id(statement)] = entry
        return entry[1]


async def _init_connection(conn: asyncpg.Connection) -> None:
    # asyncpg returns JSON as text unless told otherwise; SQLAlchemy installs the same.
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def _keep_state(conn: asyncpg.Connection) -> None:
    # Our work changes no session state, so the default reset (a round trip per release:
    # unlock advisory locks, close cursors, RESET ALL) has nothing to undo; only a
    # transaction left open (its rollback failed) must not reach the next user.
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class LazyPool:
    """A small asyncpg pool on the engine's database, opened on first use."""

    def __init__(self, url: URL, *, size: int) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def get(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._size,
                    init=_init_connection,
                    reset=_keep_state,
                )
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class PgDatabase:
    """An engine's PostgreSQL database straight through asyncpg: its own small pool and
    the statements compiled for it."""

    def __init__(self, engine: AsyncEngine, *, size: int) -> None:
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        # Opens connections on first use, as LazyPool does (see pg_pool on why not asyncpg's).
        self.pool = ConnectionPool(dsn, size=size, init=_init_connection, reset=_keep_state)
        self.compile = CompiledStatements(engine.dialect)

    async def begin(self) -> tuple[asyncpg.Connection, Any]:
        """A pooled connection (give it back with `release`) and its transaction, started.

        A connection found dead at BEGIN had nothing written yet: the server dropped it
        while it sat in the pool, most likely with its siblings (a restart), so all are
        replaced, as SQLAlchemy drops its pool, and BEGIN goes to a fresh one, once."""
        pool = self.pool
        for retried in (False, True):
            conn = await pool.acquire()
            transaction = conn.transaction()
            try:
                await transaction.start()
            except _DEAD_AT_BEGIN:
                await pool.release(conn)  # the pool drops a closed connection
                if retried:
                    raise
                await pool.expire_connections()
                continue
            except BaseException:
                await pool.release(conn)
                raise
            return conn, transaction
        raise AssertionError("unreachable")  # pragma: no cover

    async def release(self, conn: asyncpg.Connection) -> None:
        await self.pool.release(conn)

    async def alone(self, send: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`send(conn)`: one statement, atomic by itself, so in autocommit (no BEGIN and
        COMMIT round trips). Retried once on a fresh pool if it never reached the server; a
        connection lost while it was out fails (it may have been committed)."""
        pool = self.pool
        for retried in (False, True):
            async with pool.connection() as conn:
                try:
                    return await send(conn)
                except asyncpg.DataError:
                    raise  # arguments the statement refused: nothing to do with the link
                except _NOT_SENT:
                    if retried:
                        raise
                except CONNECTION_LOST:
                    await pool.expire_connections()
                    raise
            await pool.expire_connections()
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await self.pool.close()
