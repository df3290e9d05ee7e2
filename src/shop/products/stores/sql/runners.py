"""How a SQL stock transaction runs its statements: `StatementRunner`, on a SQLAlchemy
unit of work here (`SessionRunner`) or straight on asyncpg (`pg_stock.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Executable
from sqlalchemy.exc import IntegrityError

from shop.common.events import DomainEvent
from shop.common.unit_of_work import UnitOfWork

Row = Mapping[Any, Any]


class KeyTaken(Exception):
    """A write would have repeated a unique key; the transaction must roll back."""


class StatementRunner(Protocol):
    """Runs one transaction's statements; KeyTaken when a write would repeat a unique key."""

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        """The first row the statement returns, if any."""

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        """Every row the statement returns."""

    async def execute(self, statement: Executable, params: Mapping[str, Any]) -> None:
        """Runs a statement that returns no rows."""

    def emit(self, event: DomainEvent) -> None:
        """Queues an event to be written with the transaction's changes."""


class SessionRunner:
    """`StatementRunner` on one SQL unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        try:
            row = (await self._uow.session.execute(statement, params)).first()
        except IntegrityError as exc:
            raise KeyTaken from exc
        return row._mapping if row else None

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        try:
            result = await self._uow.session.execute(statement, params)
        except IntegrityError as exc:
            raise KeyTaken from exc
        return [row._mapping for row in result]

    async def execute(self, statement: Executable, params: Mapping[str, Any]) -> None:
        try:
            await self._uow.session.execute(statement, params)
        except IntegrityError as exc:
            raise KeyTaken from exc

    def emit(self, event: DomainEvent) -> None:
        self._uow.emit(event)
