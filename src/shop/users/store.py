"""The repository: queries on one session. Nothing here commits; the service layer does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.users.models import Address, RefreshToken, User


async def get_user(session: AsyncSession, user_id: str, *, lock: bool = False) -> User | None:
    """The user, optionally row-locked (FOR UPDATE; SQLite already holds the write lock)."""
    query = select(User).where(User.id == user_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_user_and_address(
    session: AsyncSession, user_id: str, address_id: str
) -> tuple[User | None, Address | None]:
    """The user and that address of theirs (None when it is not theirs), in one query."""
    mine = and_(Address.user_id == User.id, Address.id == address_id)
    query = select(User, Address).outerjoin(Address, mine).where(User.id == user_id)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def add(session: AsyncSession, row: User | Address | RefreshToken) -> None:
    """Inserts now, so constraint violations surface inside the use case."""
    session.add(row)
    await session.flush()


async def list_users(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    total = (await session.execute(select(func.count()).select_from(User))).scalar_one()
    rows = await session.execute(
        select(User).order_by(User.created_at.desc(), User.id).offset(offset).limit(limit)
    )
    return rows.scalars().all(), int(total)


async def list_addresses(session: AsyncSession, user_id: str) -> Sequence[Address]:
    rows = await session.execute(
        select(Address)
        .where(Address.user_id == user_id)
        .order_by(Address.is_default.desc(), Address.created_at, Address.id)
    )
    return rows.scalars().all()


async def get_address(session: AsyncSession, *, user_id: str, address_id: str) -> Address | None:
    """The address only when it belongs to user_id: another user's address is "not found"."""
    query = select(Address).where(Address.id == address_id, Address.user_id == user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def unset_default_addresses(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        update(Address)
        .where(Address.user_id == user_id, Address.is_default.is_(True))
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )


async def delete(session: AsyncSession, row: Address) -> None:
    await session.delete(row)
    await session.flush()


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def revoke_refresh_token(
    session: AsyncSession, token_id: str, *, now: datetime, replaced_by: str | None = None
) -> bool:
    """Revokes one live token; False when it was already revoked (a concurrent rotation)."""
    values: dict[str, Any] = {"revoked_at": now, "replaced_by": replaced_by}
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.revoked_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def revoke_family(session: AsyncSession, family_id: str, *, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def detach(session: AsyncSession, rows: Iterable[User | Address]) -> None:
    """Unbinds loaded rows so they stay readable after the unit of work rolls back
    (a rollback expires every object still in the session)."""
    for row in rows:
        session.expunge(row)
