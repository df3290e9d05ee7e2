"""On-hand stock changes on MongoDB: a conditional update inside a transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from shop.common.events import DomainEvent
from shop.products.domain import OutOfStock, Product, ProductNotFound, utcnow
from shop.products.events import low_stock_event
from shop.products.mongo_rows import product_from_doc

Doc = dict[str, Any]
T = TypeVar("T")
Events = list[DomainEvent]


class MongoStock:
    """The stock half of MongoProductStore (reservations are MongoReservations)."""

    products: AsyncCollection[Doc]

    async def _transaction(self, work: Callable[[AsyncClientSession, Events], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def change_stock(
        self, product_id: str, *, delta: int | None = None, set_to: int | None = None
    ) -> Product:
        async def work(session: AsyncClientSession, events: Events) -> Product:
            current = await self.products.find_one({"_id": product_id}, session=session)
            if current is None:
                raise ProductNotFound(product_id)
            step = (set_to - int(current["stock"])) if set_to is not None else (delta or 0)
            doc = await self.products.find_one_and_update(
                {"_id": product_id, "stock": {"$gte": -step}},
                {"$inc": {"stock": step, "stocked": step}, "$set": {"updated_at": utcnow()}},
                session=session,
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                raise OutOfStock(product_id)
            product = product_from_doc(doc)
            emit_if_crossed(events, product, before=product.stock - step)
            return product

        return await self._transaction(work)


def emit_if_crossed(events: Events, product: Product, *, before: int) -> None:
    """Adds product.low_stock to events when this change took stock below its threshold."""
    event = low_stock_event(product, before=before)
    if event is not None:
        events.append(event)
