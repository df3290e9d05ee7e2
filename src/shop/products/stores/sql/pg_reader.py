"""Catalog reads on PostgreSQL straight through asyncpg, outside any transaction.

The statements are still the SQLAlchemy Core ones of `rows` and `catalog`, compiled once each to
asyncpg's SQL text; only the execution skips SQLAlchemy. Per read that drops the pool
checkout, BEGIN/ROLLBACK, pre-ping (three round trips) and result wrapping: about two
thirds of the CPU a GET /products/{id} spent on the database side. Writes keep the
SQLAlchemy engine and its unit of work.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import URL, Dialect

from shop.common.pg_driver import CONNECTION_LOST, CompiledStatements, LazyPool

ESTIMATE_TTL_SECONDS = 30.0
_ESTIMATES_KEPT = 1024


class PgReader:
    """A small asyncpg pool for single-statement reads, opened on first use."""

    def __init__(self, url: URL, *, dialect: Dialect, size: int) -> None:
        self._pool = LazyPool(url, size=size)
        # The engine's dialect, so statements compile to asyncpg's SQL.
        self._compile = CompiledStatements(dialect)
        self._estimates: dict[tuple[int, str], tuple[float, int]] = {}

    async def fetch(
        self, statement: Executable, params: Mapping[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """The rows of one read-only statement, run in autocommit."""
        compiled = self._compile(statement)
        args = compiled.args(params)
        pool = await self._pool.get()
        try:
            rows: list[asyncpg.Record] = await pool.fetch(compiled.sql, *args)
        except CONNECTION_LOST:
            # After a database restart the pool may hand out a dead connection once.
            rows = await pool.fetch(compiled.sql, *args)
        return rows

    async def estimate_rows(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """The planner's estimate of how many rows the statement returns (it is not run).

        Kept for ESTIMATE_TTL_SECONDS per statement and values: shoppers repeat the same
        searches and pages, and a guess need not be fresher than that."""
        compiled = self._compile(statement)
        args = compiled.args(params)
        key = (id(statement), repr(args))
        now = time.monotonic()
        cached = self._estimates.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        pool = await self._pool.get()
        plan = await pool.fetchval("EXPLAIN (FORMAT JSON) " + compiled.sql, *args)
        document = orjson.loads(plan) if isinstance(plan, str) else plan
        estimate = int(document[0]["Plan"]["Plan Rows"])
        if len(self._estimates) >= _ESTIMATES_KEPT:
            self._estimates.pop(next(iter(self._estimates)))  # the oldest entry
        self._estimates[key] = (now + ESTIMATE_TTL_SECONDS, estimate)
        return estimate

    async def close(self) -> None:
        await self._pool.close()
