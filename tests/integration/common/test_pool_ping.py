"""Pooled connections are pinged only after sitting idle, and a dead idle one is replaced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shop.common import db
from shop.common.db import create_engine, session_factory
from shop.common.errors import is_store_outage
from tests.support.tcp_proxy import TcpProxy


@pytest.mark.parametrize("which", ["postgres_url", "mysql_url"])
async def test_a_connection_killed_while_idle_is_replaced_before_use(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(request.getfixturevalue(which), pool_size=1)
    backend_id = "pg_backend_pid()" if which == "postgres_url" else "connection_id()"
    kill = "SELECT pg_terminate_backend({})" if which == "postgres_url" else "KILL {}"
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text(f"SELECT {backend_id}"))).scalar_one()
        # Killed from another connection while it sits in the pool, as a server restart would.
        other = create_engine(request.getfixturevalue(which), pool_size=1)
        try:
            async with other.connect() as conn:
                await conn.execute(text(kill.format(first)))
        finally:
            await other.dispose()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        async with engine.connect() as conn:
            second = (await conn.execute(text(f"SELECT {backend_id}"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1)
    pings = 0
    real_ping = engine.sync_engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        nonlocal pings
        pings += 1
        return bool(real_ping(dbapi_connection))

    engine.sync_engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
    try:
        for _ in range(5):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert pings == 0


async def _rollbacks(conn: Any) -> int:
    row = (await conn.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'"))).one()
    return int(row[1])


async def test_mysql_connections_ended_by_commit_are_not_rolled_back_again(mysql_url: str) -> None:
    # The pool's own reset-on-return sent a ROLLBACK after every transaction, even one
    # just committed or rolled back (as every unit of work ends).
    engine = create_engine(mysql_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            before = await _rollbacks(conn)
        for _ in range(5):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                await conn.commit()
        async with engine.connect() as conn:
            after = await _rollbacks(conn)
    finally:
        await engine.dispose()
    assert after - before == 1  # only the first count's own, ended as it was closed


async def test_mysql_work_left_uncommitted_is_rolled_back_on_return(mysql_url: str) -> None:
    engine = create_engine(mysql_url, pool_size=1)
    table = "pool_reset_probe"
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"CREATE TABLE IF NOT EXISTS {table} (id INT PRIMARY KEY)"))
            await conn.execute(text(f"DELETE FROM {table}"))
        async with engine.connect() as conn:
            await conn.execute(text(f"INSERT INTO {table} VALUES (1)"))  # never committed
        async with engine.connect() as conn:  # the same pooled connection
            count = (await conn.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
        assert count == 0
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await engine.dispose()


async def test_mysql_connection_lost_mid_transaction_is_an_outage_then_recovers(
    mysql_url: str,
) -> None:
    # The reset bookkeeping once asked an invalidated connection for its DBAPI connection
    # during the rollback, which raised PendingRollbackError: a 500 instead of a 503.
    url = make_url(mysql_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    proxy.restore()
    engine = create_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            proxy.cut()
            with pytest.raises(DBAPIError) as lost:
                await session.execute(text("SELECT 1"))
            assert is_store_outage(lost.value)
            await session.rollback()
        proxy.restore()
        async with sessions() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        proxy.cut()
        await engine.dispose()
