"""Reads made outside any unit of work: one prebuilt SELECT each, in autocommit.

For the order service's question before every order, where the ORM's session, unit of
work and transaction cost several times the query itself. Here the engine's way (SQLite,
PostgreSQL); MySQL/MariaDB run the same SELECT on asyncmy (`mysql_user_reads.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shop.users.store.models import Address, User


@dataclass(frozen=True, slots=True)
class UserCard:
    """A user as another service sees it (no password hash)."""

    id: str
    email: str
    name: str
    role: str
    phone: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AddressCard:
    """One of a user's addresses."""

    id: str
    line1: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str
    is_default: bool


_users, _addresses = User.__table__, Address.__table__
_USER = (
    _users.c.id,
    _users.c.email,
    _users.c.name,
    _users.c.role,
    _users.c.phone,
    _users.c.created_at,
)
_ADDRESS = (
    _addresses.c.id,
    _addresses.c.line1,
    _addresses.c.line2,
    _addresses.c.city,
    _addresses.c.state,
    _addresses.c.postal_code,
    _addresses.c.country,
    _addresses.c.is_default,
)
# Built once, so SQLAlchemy finds its compiled form by a cache key it keeps on the statement.
# The address is joined only when it is the asked one and theirs: an empty address_id, or
# another user's, leaves its columns NULL.
USER_AND_ADDRESS = (
    select(*_USER, *_ADDRESS)
    .select_from(
        _users.outerjoin(
            _addresses,
            and_(
                _addresses.c.user_id == _users.c.id,
                _addresses.c.id == bindparam("address_id"),
            ),
        )
    )
    .where(_users.c.id == bindparam("user_id"))
)
_ADDRESS_AT = len(_USER)


def cards(row: Sequence[Any] | None) -> tuple[UserCard | None, AddressCard | None]:
    """USER_AND_ADDRESS's row (None: no such user) as the user and their asked address."""
    if row is None:
        return None, None
    user = UserCard(*row[:_ADDRESS_AT])
    if row[_ADDRESS_AT] is None:
        return user, None
    # bool(): MySQL's BOOLEAN is a TINYINT, which the driver alone returns as an int.
    id_, line1, line2, city, state, postal_code, country, is_default = row[_ADDRESS_AT:]
    return user, AddressCard(id_, line1, line2, city, state, postal_code, country, bool(is_default))


class UserReads(Protocol):
    """What the use cases ask outside a unit of work."""

    async def user_and_address(
        self, user_id: str, address_id: str
    ) -> tuple[UserCard | None, AddressCard | None]:
        """The user and that address of theirs (None when it is not theirs or not asked)."""
        ...

    async def aclose(self) -> None: ...


class EngineUserReads:
    """UserReads on an engine in autocommit (`create_engine(autocommit=True)`), its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def user_and_address(
        self, user_id: str, address_id: str
    ) -> tuple[UserCard | None, AddressCard | None]:
        params = {"user_id": user_id, "address_id": address_id}
        return cards(await greenlet_spawn(self._first_row, USER_AND_ADDRESS, params))

    def _first_row(self, statement: Select[Any], params: dict[str, str]) -> Row[Any] | None:
        # Checkout, execute and release in one hop into SQLAlchemy's greenlet: the
        # AsyncConnection API makes a hop of each, about a fifth of a read's CPU.
        with self.engine.sync_engine.connect() as conn:
            return conn.execute(statement, params).first()

    async def aclose(self) -> None:
        await self.engine.dispose()
