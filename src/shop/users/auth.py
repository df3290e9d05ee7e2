"""Authentication use cases: register, login, rotating refresh tokens, logout, admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from shop.common.clock import utcnow
from shop.common.errors import AlreadyExists, Unauthorized
from shop.common.ids import new_id
from shop.common.tokens import ACCESS_TOKEN_TTL_SECONDS, Principal, issue_access_token
from shop.users.events import UserRegistered
from shop.users.metrics import LOGINS, USERS_REGISTERED
from shop.users.passwords import MAX_LENGTH, MIN_LENGTH, Passwords
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


async def register(
    *,
    uow: UserUnitOfWork,
    passwords: Passwords,
    email: str,
    password: str,
    name: str,
    role: str = "user",
) -> User:
    """Creates an account and its user.registered event in one transaction (409 if taken)."""
    email = normalize_email(email)
    # Hashed before the transaction opens, so no lock is held during the slow part.
    password_hash = await passwords.hash(password)
    async with uow:
        if await uow.users.by_email(email) is not None:
            raise _email_taken()
        user = User(email=email, name=name, role=role, password_hash=password_hash)
        try:
            await uow.users.add(user)
        except IntegrityError as exc:  # a concurrent registration won the unique index
            raise _email_taken() from exc
        uow.emit(UserRegistered(user_id=user.id, email=email, name=name, role=role))
        await uow.commit()
    USERS_REGISTERED.inc()
    return user


def _email_taken() -> AlreadyExists:
    return AlreadyExists(
        "Email already registered", errors=[{"path": "email", "message": "already registered"}]
    )


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


async def ensure_admin(
    *, uow: UserUnitOfWork, passwords: Passwords, email: str, password: str
) -> User:
    """Makes sure ADMIN_EMAIL is an admin whose password is ADMIN_PASSWORD.

    Missing: the account is created (role admin, name "Administrator", with the usual
    user.registered event). Present: it is promoted to admin and, if the password differs,
    its password is reset to ADMIN_PASSWORD, so the environment is the source of truth.
    The email is only trimmed and lowercased, so operator addresses like admin@shop.local
    (a reserved domain that registration would refuse) work.
    """
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"ADMIN_PASSWORD must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    email = normalize_email(email)
    async with uow:
        user = await uow.users.by_email(email)
        uow.detach([user])
    if user is None:
        return await register(
            uow=uow,
            passwords=passwords,
            email=email,
            password=password,
            name="Administrator",
            role="admin",
        )
    reset = not await passwords.verify(user.password_hash, password)
    if user.role == "admin" and not reset:
        return user
    new_hash = await passwords.hash(password) if reset else None
    async with uow:
        locked = await uow.users.get(user.id, lock=True)
        assert locked is not None
        locked.role = "admin"
        if new_hash is not None:
            locked.password_hash = new_hash
        await uow.commit()
    return locked


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
