"""The lean asyncpg pool of pg_driver.PgDatabase, on the local PostgreSQL (no tables)."""

from __future__ import annotations

import asyncio

import pytest

from shop.common.pg_driver import _init_connection, _keep_state
from shop.common.pg_pool import ConnectionPool
from tests.support.databases import POSTGRES_ADMIN_URL


def _pool(size: int) -> ConnectionPool:
    return ConnectionPool(POSTGRES_ADMIN_URL, size=size, init=_init_connection, reset=_keep_state)


async def test_a_connection_goes_back_and_is_used_again() -> None:
    pool = _pool(2)
    try:
        async with pool.connection() as first:
            assert await first.fetchval("SELECT 1") == 1
        async with pool.connection() as again:
            assert again is first
            # `init` ran: JSON comes back decoded.
            assert await again.fetchval("SELECT CAST('{\"a\": 1}' AS jsonb)") == {"a": 1}
    finally:
        await pool.close()


async def test_no_more_than_size_are_open_and_a_waiter_is_handed_one() -> None:
    pool = _pool(2)
    try:
        a, b = await pool.acquire(), await pool.acquire()
        waiting = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await pool.release(b)
        assert await asyncio.wait_for(waiting, 5) is b
        await pool.release(a)
        await pool.release(b)
    finally:
        await pool.close()


async def test_a_closed_connection_is_dropped_and_its_slot_reopened() -> None:
    pool = _pool(1)
    try:
        conn = await pool.acquire()
        waiting = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        conn.terminate()
        await pool.release(conn)
        fresh = await asyncio.wait_for(waiting, 5)
        assert fresh is not conn and await fresh.fetchval("SELECT 1") == 1
        await pool.release(fresh)
    finally:
        await pool.close()


async def test_expired_connections_are_replaced_idle_now_in_use_when_back() -> None:
    pool = _pool(2)
    try:
        idle, busy = await pool.acquire(), await pool.acquire()
        await pool.release(idle)
        await pool.expire_connections()
        assert idle.is_closed()
        await pool.release(busy)
        assert busy.is_closed()
        async with pool.connection() as fresh:
            assert fresh not in (idle, busy)
    finally:
        await pool.close()


async def test_a_transaction_left_open_is_rolled_back_before_reuse() -> None:
    pool = _pool(1)
    try:
        conn = await pool.acquire()
        await conn.execute("BEGIN")
        await pool.release(conn)
        async with pool.connection() as again:
            assert again is conn and not again.is_in_transaction()
    finally:
        await pool.close()


async def test_a_cancelled_waiter_takes_nothing_away() -> None:
    pool = _pool(1)
    try:
        conn = await pool.acquire()
        waiting = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await pool.release(conn)
        async with pool.connection() as again:
            assert again is conn
    finally:
        await pool.close()


async def test_close_closes_the_idle_ones() -> None:
    pool = _pool(1)
    async with pool.connection() as conn:
        pass
    await pool.close()
    assert conn.is_closed()


async def test_a_connection_whose_statement_was_cancelled_is_not_handed_out() -> None:
    pool = _pool(1)
    try:
        conn = await pool.acquire()
        slow = asyncio.create_task(conn.fetchval("SELECT pg_sleep(5)"))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        await pool.release(conn)
        async with pool.connection() as fresh:
            assert fresh is not conn
            assert await asyncio.wait_for(fresh.fetchval("SELECT 1"), 5) == 1
    finally:
        await pool.close()
