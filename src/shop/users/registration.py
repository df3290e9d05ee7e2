"""Accounts: registration, and the operator's admin account ensured at start-up."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from shop.common.errors import AlreadyExists, is_deadlock
from shop.users.events import UserRegistered
from shop.users.metrics import USERS_REGISTERED
from shop.users.passwords import MAX_LENGTH, MIN_LENGTH, Passwords
from shop.users.schemas import normalize_email
from shop.users.store.models import User
from shop.users.store.unit_of_work import UserUnitOfWork


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
    for attempt in range(_DEADLOCK_ATTEMPTS):
        try:
            return await _insert(
                uow, email=email, name=name, role=role, password_hash=password_hash
            )
        except DBAPIError as exc:
            # Racing inserts on the unique email index can make MariaDB pick one of them
            # as a deadlock victim; run again, it then sees the winner's row and answers 409.
            if not is_deadlock(exc) or attempt == _DEADLOCK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


_DEADLOCK_ATTEMPTS = 3


async def _insert(
    uow: UserUnitOfWork, *, email: str, name: str, role: str, password_hash: str
) -> User:
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
