"""Reservations on MongoDB: conditional updates inside transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shop.common.events import DomainEvent
from shop.products.domain import (
    Line,
    OutOfStock,
    ProductNotFound,
    Reservation,
    ReservationClosed,
    ReservationNotFound,
    ReservationStatus,
    lines_to_json,
    new_id,
    utcnow,
)
from shop.products.mongo_rows import product_from_doc, reservation_from_doc
from shop.products.mongo_stock import emit_if_crossed

Doc = dict[str, Any]
T = TypeVar("T")
R = ReservationStatus
Events = list[DomainEvent]


class MongoReservations:
    """The reservation half of MongoProductStore (on-hand stock is MongoStock)."""

    products: AsyncCollection[Doc]
    reservations: AsyncCollection[Doc]

    async def _transaction(self, work: Callable[[AsyncClientSession, Events], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def reserve(
        self, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> Reservation:
        try:
            return await self._transaction(
                lambda s, events: self._reserve(s, events, order_id, lines, expires_at)
            )
        except DuplicateKeyError:
            twin = await self.get_reservation(order_id)
            if twin is None:
                raise
            return twin

    async def _reserve(
        self,
        session: AsyncClientSession,
        events: Events,
        order_id: str,
        lines: Sequence[Line],
        expires_at: datetime,
    ) -> Reservation:
        existing = await self.reservations.find_one({"order_id": order_id}, session=session)
        if existing is not None:
            return reservation_from_doc(existing)
        ordered = tuple(sorted(lines, key=lambda line: line.product_id))
        for line in ordered:
            doc = await self.products.find_one_and_update(
                {"_id": line.product_id, "stock": {"$gte": line.quantity}},
                {"$inc": {"stock": -line.quantity, "reserved": line.quantity}},
                session=session,
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                if await self.products.find_one({"_id": line.product_id}, session=session):
                    raise OutOfStock(line.product_id, requested=line.quantity)
                raise ProductNotFound(line.product_id)
            product = product_from_doc(doc)
            emit_if_crossed(events, product, before=product.stock + line.quantity)
        now = utcnow()
        reservation: Doc = {
            "_id": new_id(),
            "order_id": order_id,
            "status": R.RESERVED.value,
            "items": lines_to_json(ordered),
            "expires_at": expires_at,
            "created_at": now,
            "updated_at": now,
        }
        await self.reservations.insert_one(reservation, session=session)
        return reservation_from_doc(reservation)

    async def get_reservation(self, order_id: str) -> Reservation | None:
        doc = await self.reservations.find_one({"order_id": order_id})
        return reservation_from_doc(doc) if doc else None

    async def commit_reservation(self, order_id: str, *, now: datetime) -> Reservation:
        async def work(session: AsyncClientSession, _: Events) -> Reservation:
            moved = await self._move(session, order_id, R.RESERVED, R.COMMITTED, now=now)
            if moved is None:
                current = await self._current(session, order_id)
                if current.status is R.COMMITTED:
                    return current
                closed = "expired" if current.status is R.RESERVED else current.status.value
                raise ReservationClosed(order_id, closed)
            await self._shift(session, moved, reserved=-1, sold=1)
            return moved

        return await self._transaction(work)

    async def release_reservation(self, order_id: str) -> Reservation:
        async def work(session: AsyncClientSession, _: Events) -> Reservation:
            moved = await self._move(session, order_id, R.RESERVED, R.RELEASED)
            if moved is not None:
                await self._shift(session, moved, stock=1, reserved=-1)
                return moved
            moved = await self._move(session, order_id, R.COMMITTED, R.RELEASED)
            if moved is not None:
                await self._shift(session, moved, stock=1, sold=-1)
                return moved
            return await self._current(session, order_id)

        return await self._transaction(work)

    async def expire_due(self, *, now: datetime, limit: int = 100) -> int:
        due = self.reservations.find(
            {"status": R.RESERVED.value, "expires_at": {"$lte": now}}, {"order_id": 1}
        ).limit(limit)
        expired = 0
        async for doc in due:
            order_id = doc["order_id"]

            async def work(
                session: AsyncClientSession, _: Events, order_id: str = order_id
            ) -> bool:
                moved = await self._move(session, order_id, R.RESERVED, R.EXPIRED, expired_by=now)
                if moved is not None:
                    await self._shift(session, moved, stock=1, reserved=-1)
                return moved is not None

            expired += int(await self._transaction(work))
        return expired

    async def _move(
        self,
        session: AsyncClientSession,
        order_id: str,
        source: R,
        target: R,
        *,
        now: datetime | None = None,
        expired_by: datetime | None = None,
    ) -> Reservation | None:
        selector: Doc = {"order_id": order_id, "status": source.value}
        if now is not None:
            selector["expires_at"] = {"$gt": now}
        if expired_by is not None:
            selector["expires_at"] = {"$lte": expired_by}
        doc = await self.reservations.find_one_and_update(
            selector,
            {"$set": {"status": target.value, "updated_at": utcnow()}},
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        return reservation_from_doc(doc) if doc else None

    async def _current(self, session: AsyncClientSession, order_id: str) -> Reservation:
        doc = await self.reservations.find_one({"order_id": order_id}, session=session)
        if doc is None:
            raise ReservationNotFound(order_id)
        return reservation_from_doc(doc)

    async def _shift(self, session: AsyncClientSession, moved: Reservation, **signs: int) -> None:
        for line in moved.items:
            await self.products.update_one(
                {"_id": line.product_id},
                {"$inc": {name: sign * line.quantity for name, sign in signs.items()}},
                session=session,
            )
