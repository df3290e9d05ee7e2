"""Users and their addresses: the queries a use case runs inside its unit of work."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update

from shop.users.store.models import Address, User
from shop.users.store.repository import Repository


class Users(Repository[User]):
    """Accounts (emails are stored lowercased, so lookups are exact)."""

    async def get(self, user_id: str, *, lock: bool = False) -> User | None:
        """The user, optionally row-locked (FOR UPDATE; SQLite already holds the write lock)."""
        query = select(User).where(User.id == user_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_email(self, email: str) -> User | None:
        query = select(User).where(User.email == email)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(self, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
        """One page, newest first, and the total count."""
        total = (await self.session.execute(select(func.count()).select_from(User))).scalar_one()
        rows = await self.session.execute(
            select(User).order_by(User.created_at.desc(), User.id).offset(offset).limit(limit)
        )
        return rows.scalars().all(), int(total)


class Addresses(Repository[Address]):
    """A user's addresses; another user's address is "not found", never "forbidden"."""

    async def of_user(self, user_id: str) -> Sequence[Address]:
        """The user's addresses, default first, then oldest first."""
        rows = await self.session.execute(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.is_default.desc(), Address.created_at, Address.id)
        )
        return rows.scalars().all()

    async def get(self, *, user_id: str, address_id: str) -> Address | None:
        """The address only when it belongs to user_id."""
        query = select(Address).where(Address.id == address_id, Address.user_id == user_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def unset_default(self, user_id: str) -> None:
        await self.session.execute(
            update(Address)
            .where(Address.user_id == user_id, Address.is_default.is_(True))
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )

    async def delete(self, address: Address) -> None:
        await self.session.delete(address)
        await self.session.flush()
