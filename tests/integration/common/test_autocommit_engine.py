"""create_engine(autocommit=True): single-SELECT reads with no transaction to end."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.common.db import create_engine
from shop.common.errors import is_store_outage
from tests.support.tcp_proxy import TcpProxy


async def _rollbacks(conn: AsyncConnection) -> int:
    row = (await conn.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'"))).one()
    return int(row[1])


async def test_mysql_reads_in_autocommit_send_no_rollback(mysql_url: str) -> None:
    # The transactional engine ends each read with a ROLLBACK round trip; this one has none.
    engine = create_engine(mysql_url, pool_size=1, autocommit=True)
    try:
        async with engine.connect() as conn:
            before = await _rollbacks(conn)
            assert (await conn.execute(text("SELECT @@autocommit"))).scalar_one() == 1
        for _ in range(5):
            async with engine.connect() as conn:  # the same pooled connection
                await conn.execute(text("SELECT 1"))
        async with engine.connect() as conn:
            assert await _rollbacks(conn) == before
    finally:
        await engine.dispose()


async def test_mysql_autocommit_connection_lost_is_an_outage_then_recovers(mysql_url: str) -> None:
    url = make_url(mysql_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    proxy.restore()
    engine = create_engine(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(False), autocommit=True
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        proxy.cut()
        with pytest.raises(DBAPIError) as lost:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert is_store_outage(lost.value)
        proxy.restore()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        proxy.cut()
        await engine.dispose()
