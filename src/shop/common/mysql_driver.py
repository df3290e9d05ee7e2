"""asyncmy plumbing for MySQL/MariaDB reads that skip SQLAlchemy's execution (the user
service's ValidateUser, `users/store/mysql_user_reads.py`): a small pool in autocommit,
opened on first use, whose statements run as server-side prepared statements.

Statements are SQLAlchemy Core ones compiled for `DIALECT` (asyncmy's `%s` style); only
their execution skips SQLAlchemy. Errors come out as SQLAlchemy's (`OperationalError` with
asyncmy's as `orig`), as the engine raises them, so `shop.common.errors.is_store_outage`
and the gRPC and HTTP mappings answer a database outage exactly as on the engine's paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asyncmy import errors
from asyncmy.pool import Pool
from sqlalchemy.dialects.mysql.asyncmy import dialect as asyncmy_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shop.common.db import async_url

DIALECT = asyncmy_dialect()

# The pooled connection died under us: gone away (2006), lost during a query (2013) or a
# read (2055), killed (MariaDB 1927), closed for inactivity (MySQL 4031).
CONNECTION_LOST_CODES = frozenset({1927, 2006, 2013, 2055, 4031})
# Each connection prepares a statement on its first use and then sends only its id and
# binary values: no escaping here, no parsing there, rows decoded from binary.
_PREPARED_PER_CONNECTION = 16
# As the engines' pool_recycle (shop.common.db).
_RECYCLE_SECONDS = 1800


def connection_lost(exc: errors.Error) -> bool:
    """Whether `exc` says the connection died (a fresh one may work), not the statement."""
    if isinstance(exc, errors.InterfaceError):
        return True
    code = exc.args[0] if exc.args else None
    return isinstance(exc, errors.OperationalError) and code in CONNECTION_LOST_CODES


class MySqlPool:
    """A small asyncmy pool in autocommit on one database, opened on first use."""

    def __init__(self, url: str, *, size: int) -> None:
        # The arguments SQLAlchemy's engine would connect with (host, db, charset, flags).
        _, self._connect_args = DIALECT.create_connect_args(make_url(async_url(url)))
        self._size = size
        self._pool: Pool | None = None

    def _get(self) -> Pool:
        if self._pool is None:
            # Built in the running loop (Pool binds to it); with no minimum it connects
            # nothing yet, so first use needs no lock.
            self._pool = Pool(
                minsize=0,
                maxsize=self._size,
                pool_recycle=_RECYCLE_SECONDS,
                autocommit=True,
                stmt_cache_size=_PREPARED_PER_CONNECTION,
                **self._connect_args,
            )
        return self._pool

    async def fetch_one(self, sql: str, args: Sequence[Any]) -> tuple[Any, ...] | None:
        """The first row of one statement (None when it has none), run in autocommit."""
        try:
            pool = self._get()
            try:
                return await _first_row(pool, sql, args)
            except errors.Error as exc:
                if not connection_lost(exc):
                    raise
            # A restart or a KILL leaves idle connections that may look alive until used:
            # drop them all, so the one retry runs on a fresh connection.
            await pool.clear()
            return await _first_row(pool, sql, args)
        except errors.Error as exc:
            raise DBAPIError.instance(
                sql, None, exc, errors.Error, hide_parameters=True, dialect=DIALECT
            ) from exc

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            await self._pool.wait_closed()
            self._pool = None


async def _first_row(pool: Pool, sql: str, args: Sequence[Any]) -> tuple[Any, ...] | None:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(sql, args)
        row: tuple[Any, ...] | None = await cursor.fetchone()
        return row
