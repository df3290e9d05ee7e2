"""Reservations on the SQL store: every change one conditional UPDATE.

Taking stock is `UPDATE ... WHERE stock >= :q` (atomic under the row or database write
lock, see sql_stock), and status moves (`WHERE status = 'reserved'`) let exactly one of
two racing callers win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop.common.unit_of_work import UnitOfWork
from shop.products.domain import (
    Line,
    Reservation,
    ReservationClosed,
    ReservationNotFound,
    ReservationStatus,
    lines_to_json,
    new_id,
    utcnow,
)
from shop.products.models import reservations
from shop.products.sql_rows import reservation_by_order, reservation_from_row
from shop.products.sql_stock import reserve_units, shift_units

R = ReservationStatus


class SqlReservations:
    """The reservation half of SqlProductStore (on-hand stock is SqlStock)."""

    _sessions: async_sessionmaker[AsyncSession]

    def _uow(self) -> UnitOfWork:
        raise NotImplementedError

    async def reserve(
        self, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> Reservation:
        ordered = sorted(lines, key=lambda line: line.product_id)  # one lock order: no deadlock
        now = utcnow()
        async with self._uow() as uow:
            session = uow.session
            try:
                # The unique order_id makes a replay, or a concurrent twin (after waiting
                # here), fail: either way the reservation that stands is read back below.
                # No look-up first: a replay is rare, and the look-up cost every order.
                row = (
                    await session.execute(
                        insert(reservations)
                        .values(
                            id=new_id(),
                            order_id=order_id,
                            status=R.RESERVED.value,
                            items=lines_to_json(tuple(ordered)),
                            expires_at=expires_at,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(reservations)
                    )
                ).one()
            except IntegrityError:
                row = None
            if row is not None:
                for line in ordered:
                    await reserve_units(uow, line)
                await uow.commit()
                return reservation_from_row(row._mapping)
        twin = await self.get_reservation(order_id)
        if twin is None:  # pragma: no cover - the twin rolled back between our two reads
            raise ReservationNotFound(order_id)
        return twin

    async def get_reservation(self, order_id: str) -> Reservation | None:
        async with self._sessions() as session:
            row = (await session.execute(reservation_by_order(order_id))).first()
        return reservation_from_row(row._mapping) if row else None

    async def commit_reservation(self, order_id: str, *, now: datetime) -> Reservation:
        async with self._uow() as uow:
            moved = await _move(
                uow.session, order_id, R.RESERVED, R.COMMITTED, reservations.c.expires_at > now
            )
            if moved is None:
                current = await _current(uow.session, order_id)
                if current.status is R.COMMITTED:
                    return current
                closed = "expired" if current.status is R.RESERVED else current.status.value
                raise ReservationClosed(order_id, closed)
            for line in moved.items:
                await shift_units(uow.session, line, reserved=-line.quantity, sold=line.quantity)
            await uow.commit()
            return moved

    async def release_reservation(self, order_id: str) -> Reservation:
        async with self._uow() as uow:
            moved = await _move(uow.session, order_id, R.RESERVED, R.RELEASED)
            source = "reserved"
            if moved is None:
                # A cancelled order after commit gives its sold units back too.
                moved, source = await _move(uow.session, order_id, R.COMMITTED, R.RELEASED), "sold"
            if moved is None:
                return await _current(uow.session, order_id)
            for line in moved.items:
                await shift_units(
                    uow.session, line, stock=line.quantity, **{source: -line.quantity}
                )
            await uow.commit()
            return moved

    async def expire_due(self, *, now: datetime, limit: int = 100) -> int:
        async with self._sessions() as session:
            due = (
                await session.scalars(
                    select(reservations.c.order_id)
                    .where(reservations.c.status == R.RESERVED.value)
                    .where(reservations.c.expires_at <= now)
                    .order_by(reservations.c.expires_at)
                    .limit(limit)
                )
            ).all()
        expired = 0
        for order_id in due:
            async with self._uow() as uow:
                moved = await _move(
                    uow.session, order_id, R.RESERVED, R.EXPIRED, reservations.c.expires_at <= now
                )
                if moved is None:
                    continue  # committed or released meanwhile: that caller won
                for line in moved.items:
                    await shift_units(
                        uow.session, line, stock=line.quantity, reserved=-line.quantity
                    )
                await uow.commit()
                expired += 1
        return expired


async def _move(
    session: AsyncSession, order_id: str, source: R, target: R, *extra: Any
) -> Reservation | None:
    row = (
        await session.execute(
            update(reservations)
            .where(reservations.c.order_id == order_id, reservations.c.status == source.value)
            .where(*extra)
            .values(status=target.value, updated_at=utcnow())
            .returning(reservations)
        )
    ).first()
    return reservation_from_row(row._mapping) if row else None


async def _current(session: AsyncSession, order_id: str) -> Reservation:
    row = (await session.execute(reservation_by_order(order_id))).first()
    if row is None:
        raise ReservationNotFound(order_id)
    return reservation_from_row(row._mapping)
