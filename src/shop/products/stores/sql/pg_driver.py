"""The asyncpg plumbing of the SQL store's PostgreSQL paths that skip SQLAlchemy's
execution (catalog reads, `pg_reader.py`; stock transactions, `pg_stock.py`): a pool
opened on first use, and the store's Core statements compiled once to asyncpg's SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import URL, Dialect

# Lost connections show up as these.
CONNECTION_LOST = (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in $1, $2... order
    defaults: dict[str, Any]  # values SQLAlchemy bound from literals (e.g. `stock > 0`)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments of the statement for these named values."""
        values = {**self.defaults, **params}
        return [values[name] for name in self.names]


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
