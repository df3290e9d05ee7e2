"""Catalog reads on PostgreSQL straight through asyncpg, outside any transaction.

The statements are still the SQLAlchemy Core ones of `rows` and `catalog`, compiled once each to
asyncpg's SQL text; only the execution skips SQLAlchemy. Per read that drops the pool
checkout, BEGIN/ROLLBACK, pre-ping (three round trips) and result wrapping: about two
thirds of the CPU a GET /products/{id} spent on the database side. Writes keep the
SQLAlchemy engine and its unit of work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import URL, Dialect

ESTIMATE_TTL_SECONDS = 30.0
_ESTIMATES_KEPT = 1024
# Lost connections show up as these; one retry runs on a fresh connection.
_CONNECTION_LOST = (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in $1, $2... order
    defaults: dict[str, Any]  # values SQLAlchemy bound from literals (e.g. `stock > 0`)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # asyncpg returns JSON as text unless told otherwise; SQLAlchemy installs the same.
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def _keep_state(_: asyncpg.Connection) -> None:
    # Reads change no session state, so the default reset (a round trip per release:
    # unlock advisory locks, close cursors, RESET ALL) has nothing to undo.
    return None


class PgReader:
    """A small asyncpg pool for single-statement reads, opened on first use."""

    def __init__(self, url: URL, *, dialect: Dialect, size: int) -> None:
        self._dialect = dialect  # the engine's, so statements compile to asyncpg's SQL
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[int, tuple[Executable, _Compiled]] = {}
        self._estimates: dict[tuple[int, str], tuple[float, int]] = {}

    async def _open(self) -> asyncpg.Pool:
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

    def _compile(self, statement: Executable) -> _Compiled:
        # Statements are long-lived (module constants and an LRU of catalog shapes); the
        # entry keeps the statement alive so its id cannot be reused by another one.
        entry = self._compiled.get(id(statement))
        if entry is None:
            compiled = statement.compile(dialect=self._dialect)  # type: ignore[attr-defined]
            names = tuple(compiled.positiontup or ())
            entry = (statement, _Compiled(compiled.string, names, dict(compiled.params)))
            self._compiled[id(statement)] = entry
        return entry[1]

    async def fetch(
        self, statement: Executable, params: Mapping[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """The rows of one read-only statement, run in autocommit."""
        compiled = self._compile(statement)
        values = {**compiled.defaults, **params}
        args = [values[name] for name in compiled.names]
        pool = self._pool or await self._open()
        try:
            rows: list[asyncpg.Record] = await pool.fetch(compiled.sql, *args)
        except _CONNECTION_LOST:
            # After a database restart the pool may hand out a dead connection once.
            rows = await pool.fetch(compiled.sql, *args)
        return rows

    async def estimate_rows(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """The planner's estimate of how many rows the statement returns (it is not run).

        Kept for ESTIMATE_TTL_SECONDS per statement and values: shoppers repeat the same
        searches and pages, and a guess need not be fresher than that."""
        compiled = self._compile(statement)
        values = {**compiled.defaults, **params}
        args = [values[name] for name in compiled.names]
        key = (id(statement), repr(args))
        now = time.monotonic()
        cached = self._estimates.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        pool = self._pool or await self._open()
        plan = await pool.fetchval("EXPLAIN (FORMAT JSON) " + compiled.sql, *args)
        document = orjson.loads(plan) if isinstance(plan, str) else plan
        estimate = int(document[0]["Plan"]["Plan Rows"])
        if len(self._estimates) >= _ESTIMATES_KEPT:
            self._estimates.pop(next(iter(self._estimates)))  # the oldest entry
        self._estimates[key] = (now + ESTIMATE_TTL_SECONDS, estimate)
        return estimate

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
