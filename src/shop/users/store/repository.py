"""What every repository of the user service does the same way on its session."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shop.users.store.models import Base

Row = TypeVar("Row", bound=Base)


class Repository(Generic[Row]):
    """Queries over the unit of work's session; nothing here commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Row) -> None:
        """Inserts now, so constraint violations surface inside the use case."""
        self.session.add(row)
        await self.session.flush()
