"""Sign-in sessions: login, rotating refresh tokens, logout (accounts: registration.py)."""

from __future__ import annotations

from dataclasses import dataclass

from shop.common.clock import utcnow
from shop.common.errors import Unauthorized
from shop.common.ids import new_id
from shop.common.tokens import ACCESS_TOKEN_TTL_SECONDS, Principal, issue_access_token
from shop.users.metrics import LOGINS
from shop.users.passwords import Passwords
from shop.users.refresh_tokens import (
    RefreshState,
    StoredToken,
    expiry_from,
    hash_refresh_token,
    new_refresh_token,
    refresh_state,
)
from shop.users.schemas import normalize_email
from shop.users.store.models import RefreshToken, User
from shop.users.store.unit_of_work import UserUnitOfWork

# One message for a wrong email and a wrong password: no account enumeration.
BAD_CREDENTIALS = "Invalid email or password"
BAD_REFRESH = "Invalid or expired refresh token"


@dataclass(frozen=True, slots=True)
class AuthSession:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


async def login(
    *,
    uow: UserUnitOfWork,
    passwords: Passwords,
    jwt_secret: str,
    email: str,
    password: str,
    access_ttl_seconds: int = ACCESS_TOKEN_TTL_SECONDS,
) -> AuthSession:
    """A new access token and a new refresh-token family, or 401."""
    async with uow:
        user = await uow.users.by_email(normalize_email(email))
        uow.detach([user])
    if user is None:
        await passwords.verify_nobody(password)
        LOGINS.labels("failed").inc()
        raise Unauthorized(BAD_CREDENTIALS)
    if not await passwords.verify(user.password_hash, password):
        LOGINS.labels("failed").inc()
        raise Unauthorized(BAD_CREDENTIALS)
    new_hash = (
        await passwords.hash(password) if passwords.needs_rehash(user.password_hash) else None
    )
    async with uow:
        if new_hash is not None:
            locked = await uow.users.get(user.id, lock=True)
            if locked is not None:
                locked.password_hash = new_hash
        token = await _issue_refresh_token(uow, user_id=user.id, family_id=new_id())
        await uow.commit()
    LOGINS.labels("ok").inc()
    return _session(user, token, jwt_secret, access_ttl_seconds)


async def refresh(
    *,
    uow: UserUnitOfWork,
    jwt_secret: str,
    refresh_token: str,
    access_ttl_seconds: int = ACCESS_TOKEN_TTL_SECONDS,
) -> AuthSession:
    """Rotates a refresh token: the old one dies, a new pair is issued.

    Presenting a token that was already rotated or revoked means it leaked (or a client
    replayed it): the whole family from that login is revoked and the answer is 401.
    """
    now = utcnow()
    async with uow:
        row = await uow.tokens.by_hash(hash_refresh_token(refresh_token))
        if row is None:
            raise Unauthorized(BAD_REFRESH)
        state = refresh_state(StoredToken(row.expires_at, row.revoked_at), now=now)
        if state == RefreshState.EXPIRED:
            raise Unauthorized(BAD_REFRESH)
        user = await uow.users.get(row.user_id)
        new_token = new_refresh_token()
        new_row = _refresh_row(new_token, user_id=row.user_id, family_id=row.family_id)
        rotated = state == RefreshState.ACTIVE and await uow.tokens.revoke(
            row.id, now=now, replaced_by=new_row.id
        )
        if not rotated or user is None:
            await uow.tokens.revoke_family(row.family_id, now=now)
            await uow.commit()
            raise Unauthorized(BAD_REFRESH)
        await uow.tokens.add(new_row)
        await uow.commit()
    return _session(user, new_token, jwt_secret, access_ttl_seconds)


async def logout(*, uow: UserUnitOfWork, user_id: str, refresh_token: str) -> None:
    """Revokes the refresh token when it is the caller's; anything else changes nothing."""
    async with uow:
        row = await uow.tokens.by_hash(hash_refresh_token(refresh_token))
        if row is None or row.user_id != user_id:
            return
        await uow.tokens.revoke(row.id, now=utcnow())
        await uow.commit()


def _refresh_row(token: str, *, user_id: str, family_id: str) -> RefreshToken:
    return RefreshToken(
        id=new_id(),
        user_id=user_id,
        family_id=family_id,
        token_hash=hash_refresh_token(token),
        expires_at=expiry_from(utcnow()),
    )


async def _issue_refresh_token(uow: UserUnitOfWork, *, user_id: str, family_id: str) -> str:
    token = new_refresh_token()
    await uow.tokens.add(_refresh_row(token, user_id=user_id, family_id=family_id))
    return token


def _session(user: User, refresh_token: str, jwt_secret: str, ttl_seconds: int) -> AuthSession:
    principal = Principal(user_id=user.id, email=user.email, role=user.role)
    return AuthSession(
        access_token=issue_access_token(principal, secret=jwt_secret, ttl_seconds=ttl_seconds),
        refresh_token=refresh_token,
        expires_in=ttl_seconds,
        user=user,
    )
