"""The use cases directly: outbox atomicity, concurrency, the bootstrap admin."""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import orjson
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from shop.common.errors import AlreadyExists, Unauthorized
from shop.users import auth_sessions, registration
from shop.users.bootstrap import build, ensure_admin
from shop.users.context import Context
from shop.users.events import UserRegistered
from shop.users.passwords import Passwords
from shop.users.store.models import User, outbox
from tests.integration.users.support import PASSWORD, make_settings, unique_email


async def outbox_events(ctx: Context, email: str) -> list[dict[str, Any]]:
    async with ctx.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.payload).where(outbox.c.event_type == "user.registered")
            )
        ).scalars()
        events = [orjson.loads(r) for r in rows]
    return [e for e in events if e["data"]["email"] == email]


async def count_users(ctx: Context, email: str) -> int:
    async with ctx.engine.connect() as conn:
        query = select(func.count()).select_from(User).where(User.email == email)
        return int((await conn.execute(query)).scalar_one())


async def _register(ctx: Context, email: str, **kwargs: Any) -> User:
    return await registration.register(
        uow=ctx.uow(), passwords=ctx.passwords, email=email, password=PASSWORD, name="N", **kwargs
    )


async def test_registration_writes_its_event_in_the_same_transaction(ctx: Context) -> None:
    email = unique_email()
    user = await _register(ctx, email)
    [event] = await outbox_events(ctx, email)
    assert event["type"] == "user.registered" and event["source"] == "shop/users"
    assert event["data"] == {"userId": user.id, "email": email, "name": "N", "role": "user"}
    payload = orjson.dumps(event).decode()
    assert PASSWORD not in payload and "argon2" not in payload
    assert ctx.wake_relay.is_set()  # the relay is woken instead of waiting for its next poll


async def test_a_rolled_back_registration_leaves_neither_row_nor_event(ctx: Context) -> None:
    email = unique_email()
    uow = ctx.uow()
    with pytest.raises(RuntimeError):
        async with uow:
            user = User(email=email, name="N", role="user", password_hash="x")
            await uow.users.add(user)
            uow.emit(UserRegistered(user_id=user.id, email=email, name="N", role="user"))
            raise RuntimeError("crash before commit")
    assert await count_users(ctx, email) == 0
    assert await outbox_events(ctx, email) == []


async def test_a_refused_duplicate_writes_no_event(ctx: Context) -> None:
    email = unique_email()
    await _register(ctx, email)
    with pytest.raises(AlreadyExists):
        await _register(ctx, email.upper())
    assert len(await outbox_events(ctx, email)) == 1


async def test_concurrent_registrations_of_one_email_make_one_account(ctx: Context) -> None:
    email = unique_email()
    results = await asyncio.gather(
        *(_register(ctx, email if i % 2 else email.upper()) for i in range(6)),
        return_exceptions=True,
    )
    created = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, AlreadyExists)]
    assert len(created) == 1 and len(refused) == 5, results
    assert await count_users(ctx, email) == 1
    assert len(await outbox_events(ctx, email)) == 1


async def test_concurrent_refreshes_of_one_token_let_at_most_one_through(
    ctx: Context,
) -> None:
    email = unique_email()
    await _register(ctx, email)
    session = await auth_sessions.login(
        uow=ctx.uow(), passwords=ctx.passwords, jwt_secret="j" * 32, email=email, password=PASSWORD
    )
    results = await asyncio.gather(
        *(
            auth_sessions.refresh(
                uow=ctx.uow(), jwt_secret="j" * 32, refresh_token=session.refresh_token
            )
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, auth_sessions.AuthSession)]
    assert len(winners) == 1
    assert all(isinstance(r, (auth_sessions.AuthSession, Unauthorized)) for r in results), results


async def test_ensure_admin_creates_then_keeps_the_account(ctx: Context) -> None:
    email = unique_email("admin")
    settings = make_settings(admin_email=email.upper(), admin_password="admin-password-1")
    admin_ctx = build(settings, engine=ctx.engine, passwords=ctx.passwords)
    await ensure_admin(admin_ctx)
    await ensure_admin(admin_ctx)  # idempotent at every start-up
    assert await count_users(ctx, email) == 1
    session = await auth_sessions.login(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        jwt_secret="j" * 32,
        email=email,
        password="admin-password-1",
    )
    assert session.user.role == "admin"


async def test_ensure_admin_promotes_an_existing_user_and_resets_the_password(
    ctx: Context,
) -> None:
    email = unique_email("promoted")
    await _register(ctx, email)
    settings = make_settings(admin_email=email, admin_password="brand-new-admin-pw")
    await ensure_admin(build(settings, engine=ctx.engine, passwords=ctx.passwords))
    with pytest.raises(Unauthorized):
        await auth_sessions.login(
            uow=ctx.uow(),
            passwords=ctx.passwords,
            jwt_secret="j" * 32,
            email=email,
            password=PASSWORD,
        )
    session = await auth_sessions.login(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        jwt_secret="j" * 32,
        email=email,
        password="brand-new-admin-pw",
    )
    assert session.user.role == "admin"
    assert await count_users(ctx, email) == 1


async def test_ensure_admin_accepts_reserved_domains_and_refuses_short_passwords(
    ctx: Context,
) -> None:
    local = f"admin-{unique_email()[:8]}@shop.local"
    await ensure_admin(
        build(
            make_settings(admin_email=local, admin_password="admin-password-123"),
            engine=ctx.engine,
            passwords=ctx.passwords,
        )
    )
    assert await count_users(ctx, local) == 1
    with pytest.raises(ValueError, match="ADMIN_PASSWORD"):
        await ensure_admin(
            build(
                make_settings(admin_email=unique_email(), admin_password="short"),
                engine=ctx.engine,
                passwords=ctx.passwords,
            )
        )


async def test_ensure_admin_does_nothing_unless_both_are_set(ctx: Context) -> None:
    email = unique_email("half")
    await ensure_admin(
        build(make_settings(admin_email=email), engine=ctx.engine, passwords=ctx.passwords)
    )
    assert await count_users(ctx, email) == 0


async def test_login_upgrades_a_hash_made_with_old_parameters(ctx: Context) -> None:
    email = unique_email("rehash")
    await _register(ctx, email)
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    await auth_sessions.login(
        uow=ctx.uow(), passwords=stronger, jwt_secret="j" * 32, email=email, password=PASSWORD
    )
    async with ctx.engine.connect() as conn:
        query = select(User.password_hash).where(User.email == email)
        new_hash = (await conn.execute(query)).scalar_one()
    assert not stronger.needs_rehash(new_hash)
    assert await stronger.verify(new_hash, PASSWORD)


async def test_access_tokens_live_as_long_as_configured(ctx: Context) -> None:
    email = unique_email()
    await _register(ctx, email)
    secret = "j" * 32
    session = await auth_sessions.login(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        jwt_secret=secret,
        email=email,
        password=PASSWORD,
        access_ttl_seconds=7,
    )
    renewed = await auth_sessions.refresh(
        uow=ctx.uow(),
        jwt_secret=secret,
        refresh_token=session.refresh_token,
        access_ttl_seconds=7,
    )
    for issued in (session, renewed):
        claims = jwt.decode(issued.access_token, options={"verify_signature": False})
        assert issued.expires_in == 7 and claims["exp"] - claims["iat"] == 7
    assert make_settings(access_token_ttl_seconds="60").access_token_ttl_seconds == 60
