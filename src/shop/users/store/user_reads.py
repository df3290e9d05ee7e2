"""Reads made outside any unit of work: one prebuilt SELECT each, on an autocommit engine.

For the order service's question before every order, where the ORM's session, unit of
work and transaction cost several times the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
_USER_AND_ADDRESS = (
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


class UserReads:
    """Single-statement reads on an engine in autocommit (`create_engine(autocommit=True)`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def user_and_address(
        self, user_id: str, address_id: str
    ) -> tuple[UserCard | None, AddressCard | None]:
        """The user and that address of theirs (None when it is not theirs or not asked)."""
        params = {"user_id": user_id, "address_id": address_id}
        row = await greenlet_spawn(self._first_row, _USER_AND_ADDRESS, params)
        if row is None:
            return None, None
        user = UserCard(*row[:_ADDRESS_AT])
        address = AddressCard(*row[_ADDRESS_AT:]) if row[_ADDRESS_AT] is not None else None
        return user, address

    def _first_row(self, statement: Select[Any], params: dict[str, str]) -> Row[Any] | None:
        # Checkout, execute and release in one hop into SQLAlchemy's greenlet: the
        # AsyncConnection API makes a hop of each, about a fifth of a read's CPU.
        with self._engine.sync_engine.connect() as conn:
            return conn.execute(statement, params).first()
