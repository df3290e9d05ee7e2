"""ValidateUser's read straight on asyncmy (MariaDB): the engine path's answers, a killed
connection retried on a fresh one, and a database outage answered as the engine path does."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections.abc import AsyncIterator

import asyncmy
import grpc
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shop.common.db import create_engine
from shop.common.errors import is_store_outage, outage_reason
from shop.common.grpc_client import open_channel
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from shop.users import registration, service
from shop.users.bootstrap import build
from shop.users.context import Context
from shop.users.passwords import Passwords
from shop.users.rpc import start_grpc
from shop.users.store import migrate
from shop.users.store.mysql_user_reads import MySqlUserReads
from shop.users.store.user_reads import EngineUserReads, UserReads
from tests.integration.users.support import FAST_HASHER, PASSWORD, SECRET, make_settings
from tests.integration.users.support import unique_email as email
from tests.integration.users.test_grpc import free_port
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
async def url(mysql_url: str) -> str:
    await migrate(mysql_url)  # a no-op when the suite's engine fixture got there first
    return mysql_url


@pytest.fixture
async def mysql_ctx(url: str) -> AsyncIterator[Context]:
    built = build(make_settings(mysql_uri=url), passwords=Passwords(FAST_HASHER))
    assert isinstance(built.reads, MySqlUserReads)
    yield built
    await built.aclose()


async def _user(ctx: Context, name: str = "R") -> str:
    user = await registration.register(
        uow=ctx.uow(), passwords=ctx.passwords, email=email(), password=PASSWORD, name=name
    )
    return user.id


async def _address(ctx: Context, user_id: str, line1: str, *, line2: str | None = None) -> str:
    fields = {"line1": line1, "line2": line2, "city": "Ville", "postal_code": "1", "country": "FR"}
    return (await service.add_address(uow=ctx.uow(), user_id=user_id, fields=fields)).id


async def test_it_answers_what_the_engine_path_answers(mysql_ctx: Context, url: str) -> None:
    user_id = await _user(mysql_ctx, name="Zoë Ünïcode 🛒")
    await service.update_profile(uow=mysql_ctx.uow(), user_id=user_id, changes={"phone": "+33 1"})
    default = await _address(mysql_ctx, user_id, "1 rue Été", line2="Bât. ✓")
    second = await _address(mysql_ctx, user_id, "2 rue")  # not the default one
    other = await _address(mysql_ctx, await _user(mysql_ctx), "3 rue")
    unknown = str(uuid.uuid4())
    engine_reads = EngineUserReads(create_engine(url, autocommit=True))
    try:
        for asked in [(user_id, a) for a in (default, second, other, unknown, "")] + [
            (unknown, default),
            ("", ""),
        ]:
            mine = await mysql_ctx.reads.user_and_address(*asked)
            assert mine == await engine_reads.user_and_address(*asked), asked
            if mine[1] is not None:
                assert type(mine[1].is_default) is bool
    finally:
        await engine_reads.aclose()
    found, address = await mysql_ctx.reads.user_and_address(user_id, second)
    assert found is not None and found.name == "Zoë Ünïcode 🛒" and found.phone == "+33 1"
    assert address is not None and address.id == second and address.is_default is False


_COUNTERS = "SELECT " + ", ".join(
    f"(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = '{name}')"
    for name in ("COM_BEGIN", "COM_COMMIT", "COM_ROLLBACK", "COM_STMT_PREPARE")
)


async def test_reads_send_no_transaction_and_prepare_once(mysql_ctx: Context) -> None:
    assert isinstance(mysql_ctx.reads, MySqlUserReads)
    user_id = await _user(mysql_ctx)
    pool = mysql_ctx.reads.pool  # read one at a time, so all on one pooled connection
    for _ in range(2):  # each statement's first use prepares it
        await mysql_ctx.reads.user_and_address(user_id, "")
        before = await pool.fetch_one(_COUNTERS, ())
    assert before is not None and int(before[3]) == 2  # both, on this connection
    for _ in range(5):
        found, _ = await mysql_ctx.reads.user_and_address(user_id, "")
        assert found is not None
    assert await pool.fetch_one(_COUNTERS, ()) == before


def _kill_blocking_the_loop(url: str, connection_id: int) -> None:
    """KILL from another thread while this loop waits, so the pool cannot have seen the
    connection close before its next use (a restart's connections look alive the same way)."""
    target = make_url(url)

    async def kill() -> None:
        async with (
            asyncmy.connect(
                host=target.host,
                port=target.port or 3306,
                user=target.username,
                password=target.password or "",
            ) as admin,
            admin.cursor() as cursor,
        ):
            await cursor.execute(f"KILL {connection_id}")

    thread = threading.Thread(target=asyncio.run, args=(kill(),))
    thread.start()
    thread.join()


async def test_a_killed_connection_is_retried_once_on_a_fresh_one(
    mysql_ctx: Context, url: str
) -> None:
    assert isinstance(mysql_ctx.reads, MySqlUserReads)
    pool = mysql_ctx.reads.pool
    user_id = await _user(mysql_ctx)
    [killed] = await pool.fetch_one("SELECT connection_id()", ()) or ()
    _kill_blocking_the_loop(url, killed)
    found, _ = await mysql_ctx.reads.user_and_address(user_id, "")
    assert found is not None and found.id == user_id
    [now] = await pool.fetch_one("SELECT connection_id()", ()) or ()
    assert now != killed


async def _outage(reads: UserReads) -> DBAPIError:
    with pytest.raises(DBAPIError) as down:
        await reads.user_and_address(str(uuid.uuid4()), "")
    return down.value


async def test_a_database_down_raises_what_the_engine_path_raises(url: str) -> None:
    target = make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 3306)
    proxy.restore()
    through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    mine, engines = (
        MySqlUserReads(through),
        EngineUserReads(create_engine(through, autocommit=True)),
    )
    try:
        for reads in (mine, engines):  # both hold a pooled connection when it goes
            assert await reads.user_and_address(str(uuid.uuid4()), "") == (None, None)
        proxy.cut()
        mine_down, engines_down = await _outage(mine), await _outage(engines)
        assert type(mine_down) is type(engines_down)
        assert is_store_outage(mine_down) and is_store_outage(engines_down)
        # The engine fails on its pooled connection (2006); this path's retry finds none.
        assert outage_reason(mine_down) == "OperationalError 2003"
        assert outage_reason(engines_down).startswith("OperationalError 20")
        proxy.restore()
        assert await mine.user_and_address(str(uuid.uuid4()), "") == (None, None)
    finally:
        proxy.cut()
        await mine.aclose()
        await engines.aclose()


@pytest.mark.parametrize("path", ["asyncmy", "engine"])
async def test_validate_user_answers_unavailable_while_the_database_is_down(
    url: str, path: str
) -> None:
    target = make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 3306)
    proxy.restore()
    through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    ctx = build(make_settings(mysql_uri=through), passwords=Passwords(FAST_HASHER))
    if path == "engine":  # the path MySQL took before, for comparison
        await ctx.reads.aclose()
        ctx = dataclasses.replace(
            ctx, reads=EngineUserReads(create_engine(through, autocommit=True))
        )
    port = free_port()
    server = await start_grpc(ctx, port=port, host="127.0.0.1")
    channel = open_channel(f"127.0.0.1:{port}", secret=SECRET)
    try:
        stub = user_pb2_grpc.UserServiceStub(channel)
        user_id = await _user(ctx)
        asked = user_pb2.ValidateUserRequest(user_id=user_id)
        assert (await stub.ValidateUser(asked, timeout=5)).valid
        proxy.cut()
        with pytest.raises(grpc.aio.AioRpcError) as down:
            await stub.ValidateUser(asked, timeout=5)
        assert down.value.code() == grpc.StatusCode.UNAVAILABLE
        assert down.value.details() == "Service temporarily unavailable"
        proxy.restore()
        assert (await stub.ValidateUser(asked, timeout=5)).valid
    finally:
        proxy.cut()
        await channel.close()
        await server.stop(0)
        await ctx.aclose()
