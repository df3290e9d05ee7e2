"""The connections of `pg_driver.PgDatabase`: a lean pool of asyncpg connections.

asyncpg's own pool hands a connection back through asyncio.shield (a task per release)
and re-arms an idle timer on each use: about 30 us of CPU per acquire and release, as
much as a statement's round trip, and an order takes three. Here a connection in good
order goes back to the next waiter, or to the idle list, without a task or a timer.
Unlike asyncpg's pool, an idle connection is not closed after some minutes, nor one that
served many queries: the pool is small and its connections live as long as the process.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from types import TracebackType

import asyncpg  # type: ignore[import-untyped]  # no stubs published

Hook = Callable[[asyncpg.Connection], Awaitable[None]]


class ConnectionPool:
    """At most `size` connections, opened on demand; `init` runs on each new one and
    `reset` on each one handed back in a transaction (a failed reset drops it)."""

    def __init__(self, dsn: str, *, size: int, init: Hook, reset: Hook) -> None:
        self._dsn, self._size, self._init, self._reset = dsn, size, init, reset
        self._idle: list[asyncpg.Connection] = []
        # Each waits for a connection handed over, or None: a slot freed, open one.
        self._waiters: collections.deque[asyncio.Future[asyncpg.Connection | None]] = (
            collections.deque()
        )
        self._count = 0  # connections open or being opened
        self._generation = 0
        self._born: dict[asyncpg.Connection, int] = {}

    def connection(self) -> _Lease:
        """`async with pool.connection() as conn`: acquired, then released."""
        return _Lease(self)

    async def acquire(self) -> asyncpg.Connection:
        while True:
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._drop(conn)
            if self._count < self._size:
                return await self._open()
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                conn = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    self._put(waiter.result())  # handed over as we were cancelled
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._wake()  # the free slot was ours: pass it on
                raise
            if conn is not None:
                return conn

    async def release(self, conn: asyncpg.Connection) -> None:
        # A statement whose task was cancelled is still being cancelled on the server: the
        # connection would refuse its next user ("another operation is cancelling"), and
        # asyncpg's pool waits for that. Cancellations are rare (a deadline, a client gone):
        # a fresh connection costs less than the wait, and never blocks a release.
        if conn.is_closed() or conn._protocol._is_cancelling():
            self._drop(conn)
            return
        if self._born.get(conn) != self._generation:
            self._drop(conn)  # expired: from before expire_connections() or close()
            return
        if conn.is_in_transaction():
            try:
                await self._reset(conn)
            except BaseException:
                self._drop(conn)
                raise
        self._put(conn)

    async def expire_connections(self) -> None:
        """Every connection is replaced: idle ones now, those in use when handed back."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for conn in idle:
            self._drop(conn)

    async def close(self) -> None:
        """Idle connections are closed (politely: the server is told); those in use, when
        handed back."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for conn in idle:
            self._born.pop(conn, None)
            self._count -= 1
        await asyncio.gather(*(conn.close() for conn in idle), return_exceptions=True)

    async def _open(self) -> asyncpg.Connection:
        self._count += 1
        try:
            conn = await asyncpg.connect(self._dsn)
        except BaseException:
            self._count -= 1
            self._wake()
            raise
        try:
            await self._init(conn)
        except BaseException:
            self._born[conn] = self._generation
            self._drop(conn)
            raise
        self._born[conn] = self._generation
        return conn

    def _put(self, conn: asyncpg.Connection) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _drop(self, conn: asyncpg.Connection) -> None:
        if self._born.pop(conn, None) is None:
            return  # dropped already
        self._count -= 1
        if not conn.is_closed():
            conn.terminate()
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


class _Lease:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> asyncpg.Connection:
        self._conn = await self._pool.acquire()
        return self._conn

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        await self._pool.release(conn)
