"""The single-SELECT reads in autocommit: on asyncmy (MariaDB) and on the engine (SQLite)."""

from __future__ import annotations

import asyncio
import uuid

from shop.common.clock import as_utc
from shop.users import registration, service
from shop.users.context import Context
from shop.users.store.models import Address, User
from shop.users.store.mysql_user_reads import MySqlUserReads
from shop.users.store.user_reads import AddressCard, EngineUserReads
from tests.integration.users.support import PASSWORD, unique_email


async def _user_with_address(ctx: Context) -> tuple[User, Address]:
    user = await registration.register(
        uow=ctx.uow(), passwords=ctx.passwords, email=unique_email(), password=PASSWORD, name="R"
    )
    fields = {
        "line1": "1 Read Way",
        "line2": "Flat 2",
        "city": "Readville",
        "state": "RS",
        "postal_code": "40404",
        "country": "US",
    }
    address = await service.add_address(uow=ctx.uow(), user_id=user.id, fields=fields)
    return user, address


async def test_user_and_address_reads_both_in_one_row(ctx: Context) -> None:
    user, address = await _user_with_address(ctx)
    found, theirs = await ctx.reads.user_and_address(user.id, address.id)
    assert found is not None
    assert (found.id, found.email, found.name, found.role, found.phone) == (
        user.id,
        user.email,
        "R",
        "user",
        None,
    )
    assert as_utc(found.created_at) == as_utc(user.created_at)
    assert theirs == AddressCard(
        id=address.id,
        line1="1 Read Way",
        line2="Flat 2",
        city="Readville",
        state="RS",
        postal_code="40404",
        country="US",
        is_default=True,
    )
    assert isinstance(theirs.is_default, bool)


async def test_another_users_address_or_none_asked_reads_the_user_alone(ctx: Context) -> None:
    (user, _), (_, other) = await _user_with_address(ctx), await _user_with_address(ctx)
    for address_id in (other.id, str(uuid.uuid4()), ""):
        found, address = await ctx.reads.user_and_address(user.id, address_id)
        assert found is not None and found.id == user.id and address is None


async def test_an_unknown_user_reads_as_nothing(ctx: Context) -> None:
    _, address = await _user_with_address(ctx)
    assert await ctx.reads.user_and_address(str(uuid.uuid4()), address.id) == (None, None)


async def test_a_read_neither_waits_for_a_writer_nor_leaves_a_transaction(ctx: Context) -> None:
    user, address = await _user_with_address(ctx)
    async with ctx.uow() as uow:
        # A write transaction holding the user's row (SQLite: the database's write lock).
        await uow.users.get(user.id, lock=True)
        found, _ = await asyncio.wait_for(ctx.reads.user_and_address(user.id, address.id), 5)
        assert found is not None and found.id == user.id
    if isinstance(ctx.reads, MySqlUserReads):
        assert await ctx.reads.pool.fetch_one("SELECT @@autocommit, @@in_transaction", ()) == (1, 0)
        return
    assert isinstance(ctx.reads, EngineUserReads)
    async with ctx.reads.engine.connect() as conn:
        dbapi_connection = (await conn.get_raw_connection()).dbapi_connection
        assert dbapi_connection is not None
        assert conn.dialect.detect_autocommit_setting(dbapi_connection)
