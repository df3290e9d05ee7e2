"""Stock transactions on PostgreSQL straight through asyncpg.

The statements are `stock.py`'s SQLAlchemy Core ones, compiled once each; only their
execution skips SQLAlchemy. Run on an ORM session, the session, its transaction object,
the greenlet hop per statement and the result wrapping were about two thirds of the CPU
of a reserve or a commit. The guarantees are the statements' own (conditional UPDATEs
under row locks, the unique order id) and the transaction's, as on the session. A unit the
flow knows to be one write calling for no event (a one-line reservation, a commit, a
release, an expiry) goes without the transaction: its statement is atomic by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]  # no stubs published
from sqlalchemy import Executable, Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common import pg_driver
from shop.common.clock import utcnow
from shop.common.events import DomainEvent
from shop.common.pg_driver import PgDatabase
from shop.common.unit_of_work import outbox_rows
from shop.products.stores.protocol import StockTransaction
from shop.products.stores.sql.runners import KeyTaken, Row
from shop.products.stores.sql.stock import SqlStockTransaction

T = TypeVar("T")
_OUTBOX_COLUMNS = ("event_id", "event_type", "payload", "attempts", "created_at")


class _PgRunner:
    """`StatementRunner` on asyncpg: on one connection inside its transaction, or, with
    none, each statement by itself on the pool (`PgDatabase.alone`)."""

    def __init__(
        self, db: PgDatabase, conn: asyncpg.Connection | None, *, quiet: bool = False
    ) -> None:
        self._db = db
        self._conn = conn
        self._quiet = quiet
        self.events: list[DomainEvent] = []

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        row: Row | None = await self._send("fetchrow", statement, params)
        return row

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        rows: list[Row] = await self._send("fetch", statement, params)
        return rows

    async def execute(self, statement: Executable, params: Mapping[str, Any]) -> None:
        await self._send("execute", statement, params)

    async def _send(self, method: str, statement: Executable, params: Mapping[str, Any]) -> Any:
        compiled = self._db.compile(statement)

        def send(conn: asyncpg.Connection) -> Awaitable[Any]:
            return pg_driver.run(getattr(conn, method), compiled, params)

        try:
            if self._conn is not None:
                return await send(self._conn)
            return await self._db.alone(send)
        except asyncpg.UniqueViolationError as exc:
            raise KeyTaken from exc

    def emit(self, event: DomainEvent) -> None:
        if self._quiet:
            # Its change is already committed without it: a flow broke its promise.
            raise RuntimeError(f"{event.type} emitted by a unit sent without a transaction")
        self.events.append(event)


class PgStockWriter:
    """Runs the shared stock flows' atomic units on their own small asyncpg pool."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        outbox: Table,
        source: str,
        wake_relay: asyncio.Event | None,
        size: int,
    ) -> None:
        self._db = PgDatabase(engine, size=size)
        self._insert_event = insert(outbox).values(
            {name: bindparam(f"b_{name}", type_=outbox.c[name].type) for name in _OUTBOX_COLUMNS}
        )
        self._source = source
        self._wake_relay = wake_relay

    async def atomically(
        self, work: Callable[[StockTransaction], Awaitable[T]], *, alone: bool = False
    ) -> T:
        """Runs work in one transaction, its events written in it; rolled back if it raises.

        `alone` (`StockBackend.atomically`): the work writes once at most, in its last
        statement, and calls for no event, so each statement goes by itself, atomic alone:
        no BEGIN and COMMIT round trips, and row locks held for one statement only."""
        if alone:
            runner = _PgRunner(self._db, None, quiet=True)
            tx = SqlStockTransaction(runner, merge_writes=True, quiet=True)
            result = await work(tx)
            await tx.flush()
            return result
        conn, transaction = await self._db.begin()
        try:
            return await self._run(conn, transaction, work)
        finally:
            await self._db.release(conn)

    async def _run(
        self,
        conn: asyncpg.Connection,
        transaction: Any,
        work: Callable[[StockTransaction], Awaitable[T]],
    ) -> T:
        runner = _PgRunner(self._db, conn)
        tx = SqlStockTransaction(runner, merge_writes=True)
        try:
            result = await work(tx)
            await tx.flush()
            if runner.events:
                await self._write_events(conn, runner.events)
        except BaseException:
            # A failed ROLLBACK must not hide why: the pool's reset on release rolls the
            # transaction back again, or drops the connection.
            with contextlib.suppress(Exception):
                await transaction.rollback()
            raise
        await transaction.commit()
        if runner.events and self._wake_relay is not None:
            self._wake_relay.set()
        return result

    async def _write_events(self, conn: asyncpg.Connection, events: list[DomainEvent]) -> None:
        compiled = self._db.compile(self._insert_event)
        now = utcnow()
        rows = [{**row, "created_at": now} for row in outbox_rows(events, self._source)]
        await conn.executemany(
            compiled.sql,
            [compiled.args({f"b_{name}": value for name, value in row.items()}) for row in rows],
        )

    async def close(self) -> None:
        await self._db.close()
