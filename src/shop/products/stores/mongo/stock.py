"""The stock moves on MongoDB: each one a conditional update with $inc, inside the
store's transaction.

The filter carries each move's floors (`stock: {$gte: q}`), so even a retried
transaction never takes a counter below zero; status moves match the source status, so
exactly one of two racing callers wins. What the moves are is the domain's
(`domain/stock_moves.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shop.common.clock import utcnow
from shop.common.events import DomainEvent
from shop.products.domain import (
    Changes,
    Line,
    Product,
    Reservation,
    ReservationTaken,
    StockMove,
    floors,
)
from shop.products.stores.line_moves import move_line_by_line
from shop.products.stores.mongo.documents import (
    product_from_doc,
    reservation_doc,
    reservation_from_doc,
)

Doc = dict[str, Any]


class MongoStockTransaction:
    """`StockTransaction` over one MongoDB session in a transaction."""

    def __init__(
        self,
        *,
        products: AsyncCollection[Doc],
        reservations: AsyncCollection[Doc],
        session: AsyncClientSession,
        events: list[DomainEvent],
    ) -> None:
        self._products = products
        self._reservations = reservations
        self._session = session
        self._events = events

    async def reservation(self, order_id: str) -> Reservation | None:
        doc = await self._reservations.find_one({"order_id": order_id}, session=self._session)
        return reservation_from_doc(doc) if doc else None

    async def add_reservation(self, reservation: Reservation) -> None:
        try:
            await self._reservations.insert_one(reservation_doc(reservation), session=self._session)
        except DuplicateKeyError as exc:
            raise ReservationTaken(reservation.order_id) from exc

    async def move_reservation(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> Reservation | None:
        assert move.source is not None and move.target is not None
        selector: Doc = {"order_id": order_id, "status": move.source.value}
        if move.expiry == "live":
            selector["expires_at"] = {"$gt": now}
        elif move.expiry == "due":
            selector["expires_at"] = {"$lte": now}
        doc = await self._reservations.find_one_and_update(
            selector,
            {"$set": {"status": move.target.value, "updated_at": utcnow()}},
            session=self._session,
            return_document=ReturnDocument.AFTER,
        )
        return reservation_from_doc(doc) if doc else None

    async def move_held(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> tuple[Reservation, list[tuple[Line, Product]]] | None:
        return await move_line_by_line(self, order_id, move, now=now)

    async def move_units(
        self, product_id: str, changes: Changes, *, stock_is: int | None = None
    ) -> Product | None:
        conditions: dict[str, Doc] = {c: {"$gte": least} for c, least in floors(changes).items()}
        if stock_is is not None:
            conditions.setdefault("stock", {})["$eq"] = stock_is
        doc = await self._products.find_one_and_update(
            {"_id": product_id, **conditions},
            {"$inc": dict(changes), "$set": {"updated_at": utcnow()}},
            session=self._session,
            return_document=ReturnDocument.AFTER,
        )
        return product_from_doc(doc) if doc else None

    async def stock_of(self, product_id: str) -> int | None:
        doc = await self._products.find_one(
            {"_id": product_id}, {"stock": 1}, session=self._session
        )
        return None if doc is None else int(doc["stock"])

    def emit(self, event: DomainEvent) -> None:
        self._events.append(event)
