"""The MongoDB store (PyMongo's async client).

Multi-document changes (a reservation and its products, a stock change and its outbox
event) run in one transaction, so MONGODB_URI must name a replica set (a single-node one
is enough: `mongod --replSet rs0`). The stock flows are the shared ones of
`stores/inventory.py`, applied by `stock.py`'s conditional updates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from shop.common.clock import utcnow
from shop.common.errors import AlreadyExists, Conflict
from shop.common.events import DomainEvent
from shop.common.ids import new_id
from shop.products.domain import (
    NewProduct,
    Product,
    ProductNotFound,
    ProductQuery,
    Reservation,
    ReservationStatus,
)
from shop.products.stores.mongo.documents import (
    catalog_filter,
    product_from_doc,
    reservation_from_doc,
)
from shop.products.stores.mongo.outbox import outbox_doc
from shop.products.stores.mongo.stock import MongoStockTransaction
from shop.products.stores.protocol import StockTransaction
from shop.products.stores.stock_methods import StockMethods

Doc = dict[str, Any]
T = TypeVar("T")
_SORT_FIELDS = {"price": "price", "name": "name", "createdAt": "created_at"}


class MongoProductStore(StockMethods):
    """ProductStore on MongoDB; ids are uuid hex strings in `_id`, as in the SQL store."""

    def __init__(
        self, uri: str, *, database: str | None = None, wake_relay: asyncio.Event | None = None
    ) -> None:
        self.client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True)
        # The URI's database, else `database`, else shop_products (tests pass their own).
        self.db = self.client.get_default_database(default=database or "shop_products")
        self.products = self.db["products"]
        self.reservations = self.db["reservations"]
        self.outbox = self.db["outbox"]
        self._wake_relay = wake_relay

    async def prepare(self) -> None:
        """Creates the indexes the store relies on (idempotent)."""
        await self.products.create_index("sku", unique=True)
        # As in the SQL store: every listing sort, alone or after the category filter,
        # with the id as the tiebreak, so a page is read in index order.
        for field in ("price", "created_at", "name"):
            await self.products.create_index([(field, ASCENDING), ("_id", ASCENDING)])
            await self.products.create_index(
                [("category", ASCENDING), (field, ASCENDING), ("_id", ASCENDING)]
            )
        # Search is a case-insensitive substring match, as in the SQL store; the text
        # index is there for word search and relevance ranking ($text / textScore).
        await self.products.create_index([("name", "text"), ("description", "text")])
        await self.reservations.create_index("order_id", unique=True)
        await self.reservations.create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
        await self.outbox.create_index([("published_at", ASCENDING), ("seq", ASCENDING)])

    async def atomically(
        self, work: Callable[[StockTransaction], Awaitable[T]], *, alone: bool = False
    ) -> T:
        """Runs work in a transaction (retried on transient errors) with its events; even
        `alone`: a session without one would gain nothing here."""

        async def attempt(session: AsyncClientSession) -> T:
            events: list[DomainEvent] = []
            tx = MongoStockTransaction(
                products=self.products,
                reservations=self.reservations,
                session=session,
                events=events,
            )
            result = await work(tx)
            if events:
                await self.outbox.insert_many([outbox_doc(e) for e in events], session=session)
            return result

        async with self.client.start_session() as session:
            result = await session.with_transaction(attempt)
        if self._wake_relay is not None:
            self._wake_relay.set()
        return result

    async def create_product(self, new: NewProduct) -> Product:
        now = utcnow()
        doc: Doc = {"_id": new_id(), **new.fields(now)}
        try:
            await self.products.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"A product with sku {new.sku!r} already exists") from exc
        return product_from_doc(doc)

    async def get_product(self, product_id: str) -> Product | None:
        doc = await self.products.find_one({"_id": product_id})
        return product_from_doc(doc) if doc else None

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]:
        cursor = self.products.find({"_id": {"$in": list(set(product_ids))}})
        return {doc["_id"]: product_from_doc(doc) async for doc in cursor}

    async def update_product(self, product_id: str, changes: dict[str, Any]) -> Product:
        try:
            doc = await self.products.find_one_and_update(
                {"_id": product_id},
                {"$set": {**changes, "updated_at": utcnow()}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise AlreadyExists(
                f"A product with sku {changes.get('sku')!r} already exists"
            ) from exc
        if doc is None:
            raise ProductNotFound(product_id)
        return product_from_doc(doc)

    async def delete_product(self, product_id: str) -> None:
        result = await self.products.delete_one({"_id": product_id, "reserved": 0})
        if result.deleted_count == 0:
            if await self.products.count_documents({"_id": product_id}, limit=1) == 0:
                raise ProductNotFound(product_id)
            raise Conflict("Product has units held by live reservations")

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        selector = catalog_filter(query)
        direction = DESCENDING if query.descending else ASCENDING
        cursor = (
            self.products.find(selector)
            .sort([(_SORT_FIELDS[query.sort_by], direction), ("_id", direction)])
            .skip((query.page - 1) * query.limit)
            .limit(query.limit)
        )
        items = [product_from_doc(doc) async for doc in cursor]
        return items, await self.products.count_documents(selector)

    async def count_products(self) -> int:
        return await self.products.count_documents({})

    async def get_reservation(self, order_id: str) -> Reservation | None:
        doc = await self.reservations.find_one({"order_id": order_id})
        return reservation_from_doc(doc) if doc else None

    async def due_reservations(self, *, now: datetime, limit: int) -> list[str]:
        due = self.reservations.find(
            {"status": ReservationStatus.RESERVED.value, "expires_at": {"$lte": now}},
            {"order_id": 1},
        ).sort("expires_at", ASCENDING)
        return [doc["order_id"] async for doc in due.limit(limit)]

    async def close(self) -> None:
        await self.client.close()
