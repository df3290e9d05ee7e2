"""The user service's unit of work: one transaction, its events, and its repositories."""

from __future__ import annotations

from collections.abc import Iterable

from shop.common.unit_of_work import UnitOfWork
from shop.users.store.models import Address, User
from shop.users.store.tokens import RefreshTokens
from shop.users.store.users import Addresses, Users


class UserUnitOfWork(UnitOfWork):
    """`async with uow:` then `uow.users`, `uow.addresses`, `uow.tokens` on its session."""

    async def __aenter__(self) -> UserUnitOfWork:
        await super().__aenter__()
        return self

    @property
    def users(self) -> Users:
        return Users(self.session)

    @property
    def addresses(self) -> Addresses:
        return Addresses(self.session)

    @property
    def tokens(self) -> RefreshTokens:
        return RefreshTokens(self.session)

    def detach(self, rows: Iterable[User | Address | None]) -> None:
        """Unbinds loaded rows so they stay readable after the unit of work rolls back
        (a rollback expires every object still in the session)."""
        for row in rows:
            if row is not None:
                self.session.expunge(row)
