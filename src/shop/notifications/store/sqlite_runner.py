"""SQLite from the event loop, without ever waiting on it.

A transaction here is a few calls into SQLite on the loop: tens of microseconds, as WAL mode
with synchronous=NORMAL does no fsync at commit. A hop to a thread per transaction (what
aiosqlite does per statement) costs more CPU than the work. Nothing that can wait runs on
the loop: its connection has no busy timeout, so when another process holds the write lock
the transaction is rolled back and done again on this runner's own thread, which waits for
the lock; and the loop never checkpoints (an fsync), the thread does that every
`CHECKPOINT_EVERY` commits. The single statements asked for in one turn of the loop (the
claims, or the mark-sents, of a burst of deliveries) are committed together, in one
transaction: each commit costs SQLite a dozen lock calls and a WAL write of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from shop.common.logging import get_logger
from shop.notifications.store.sqlite_statements import connect, each_statement, in_transaction

_T = TypeVar("_T")
log = get_logger("shop.notifications")

# Our commits write a few pages each; SQLite's own default is 1000 pages.
CHECKPOINT_EVERY = 256


_Queued = tuple[str, tuple[object, ...], "asyncio.Future[None]"]


class SqliteRunner:
    """Two connections: the loop's (never waits) and the thread's (waits, checkpoints)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliveries")
        self._on_loop: sqlite3.Connection | None = None
        self._on_thread: sqlite3.Connection | None = None
        self._commits = 0
        self._closed = False
        self._queued: list[_Queued] = []
        self._writing: set[asyncio.Task[None]] = set()  # held: the loop keeps weak refs

    async def write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """`work` in a write transaction; a TransientFailure it raises rolls it back."""
        return await self._committing(lambda conn: in_transaction(conn, work))

    async def write_statement(self, sql: str, parameters: tuple[object, ...]) -> None:
        """One write statement, committed with the others asked for in the same turn of the
        loop. A statement that breaks a constraint fails alone (SQLite backs out only that
        statement); any other failure fails them all, none committed.
        """
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queued.append((sql, parameters, done))
        if len(self._queued) == 1:
            # Runs after the callbacks already due: the other deliveries of a burst.
            loop.call_soon(self._write_queued)
        await done

    def _write_queued(self) -> None:
        batch, self._queued = self._queued, []
        statements = [(sql, parameters) for sql, parameters, _ in batch]
        try:
            failures = each_statement(self._loop_connection(), statements)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                return _settle(batch, exc)
            writing = asyncio.ensure_future(self._write_on_thread(batch, statements))
            self._writing.add(writing)
            writing.add_done_callback(self._writing.discard)
            return None
        except Exception as exc:
            return _settle(batch, exc)
        self._committed()
        return _settle(batch, failures)

    async def _write_on_thread(
        self, batch: list[_Queued], statements: list[tuple[str, tuple[object, ...]]]
    ) -> None:
        try:
            failures = await self._on_own_thread(
                lambda: each_statement(self._thread_conn(), statements)
            )
        except Exception as exc:
            return _settle(batch, exc)
        self._committed()
        return _settle(batch, failures)

    async def _committing(self, transaction: Callable[[sqlite3.Connection], _T]) -> _T:
        try:
            result = transaction(self._loop_connection())
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            result = await self._on_own_thread(lambda: transaction(self._thread_conn()))
        self._committed()
        return result

    def _committed(self) -> None:
        # Every commit counts, the loop's and the thread's, and every CHECKPOINT_EVERY-th
        # queues a checkpoint on the thread, not waited for: the commit stands either way,
        # and the checkpoint logs its own failure.
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and not self._closed:
            self._thread.submit(self._checkpoint)

    async def read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        # Outside a transaction: a WAL reader does not wait for writers (BUSY is rare).
        try:
            return work(self._loop_connection())
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            return await self._on_own_thread(lambda: work(self._thread_conn()))

    async def _on_own_thread(self, work: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    def _loop_connection(self) -> sqlite3.Connection:
        if self._on_loop is None:
            # timeout=0: BUSY at once rather than the loop sleeping in SQLite's busy handler.
            conn = connect(self._path, timeout=0)
            # Checkpoints write the WAL back with an fsync: the thread's job.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._on_loop = conn
        return self._on_loop

    def _thread_conn(self) -> sqlite3.Connection:
        if self._on_thread is None:
            # A long busy timeout queues behind other worker processes' writers.
            self._on_thread = connect(self._path, timeout=30)
        return self._on_thread

    def _checkpoint(self) -> None:
        # PASSIVE: copies what no reader still needs, never blocks the writers. A failure
        # is only logged: the caller's transaction is committed, and the next one retries.
        try:
            self._thread_conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:
            log.warning("deliveries_checkpoint_failed", error=type(exc).__name__)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._on_loop is not None:
            self._on_loop.close()

        def close() -> None:
            if self._on_thread is not None:
                self._on_thread.close()

        await self._on_own_thread(close)
        self._thread.shutdown(wait=False)


def _busy(exc: sqlite3.OperationalError) -> bool:
    # Another process is writing (or checkpointing): the caller waits for it off the loop,
    # on the thread's connection.
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def _settle(batch: list[_Queued], outcome: Exception | list[sqlite3.IntegrityError | None]) -> None:
    # A caller cancelled meanwhile has its future done already.
    for n, (_, _, done) in enumerate(batch):
        failure = outcome if isinstance(outcome, Exception) else outcome[n]
        if done.done():
            continue
        if failure is None:
            done.set_result(None)
        else:
            done.set_exception(failure)
