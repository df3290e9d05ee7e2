"""The MongoDB store's outbox: the shared relay loop over a collection.

MongoDB has no SELECT ... FOR UPDATE SKIP LOCKED, so a relay claims its batch by stamping
it with a token and a lease; another replica skips claimed documents until the lease ends
(a relay that died mid-batch loses its claim that way, never the events).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shop.common.clock import utcnow
from shop.common.context import get_request_id
from shop.common.events import DomainEvent, cloud_event
from shop.common.ids import new_id
from shop.common.publisher import EventPublisher, OutgoingEvent
from shop.common.relay_loop import RelayLoop
from shop.products.events import SOURCE

Collection = AsyncCollection[dict[str, Any]]
CLAIM_LEASE = timedelta(seconds=60)


def _unclaimed(now: datetime) -> dict[str, Any]:
    # A missing claimed_until matches None: documents written before claims existed.
    return {"published_at": None, "$or": [{"claimed_until": None}, {"claimed_until": {"$lt": now}}]}


@dataclass
class _MongoBatch:
    outbox: Collection
    token: str
    events: Sequence[OutgoingEvent]

    async def mark_sent(self, keys: Sequence[Any]) -> None:
        await self.outbox.update_many(
            {"_id": {"$in": list(keys)}, "claimed_by": self.token},
            {"$set": {"published_at": utcnow()}},
        )


class MongoOutboxSource:
    def __init__(self, outbox: Collection) -> None:
        self._outbox = outbox

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[_MongoBatch]:
        now, token = utcnow(), new_id()
        candidates = self._outbox.find(_unclaimed(now), {"_id": 1}).sort("seq", ASCENDING)
        ids = [doc["_id"] async for doc in candidates.limit(limit)]
        if ids:
            # Only documents still unclaimed take the token: of two relays, one wins each.
            await self._outbox.update_many(
                {"_id": {"$in": ids}, **_unclaimed(now)},
                {"$set": {"claimed_by": token, "claimed_until": now + CLAIM_LEASE}},
            )
        mine = self._outbox.find({"claimed_by": token, "published_at": None})
        docs = [doc async for doc in mine.sort("seq", ASCENDING)] if ids else []
        events = [OutgoingEvent(d["_id"], d["_id"], d["event_type"], d["payload"]) for d in docs]
        try:
            yield _MongoBatch(self._outbox, token, events)
        finally:
            if events:
                # What was not confirmed is free again at once, not after the lease.
                await self._outbox.update_many(
                    {"claimed_by": token, "published_at": None},
                    {"$set": {"claimed_until": None}},
                )

    async def backlog(self) -> tuple[int, datetime | None]:
        pending = await self._outbox.count_documents({"published_at": None})
        oldest = await self._outbox.find_one({"published_at": None}, sort=[("seq", ASCENDING)])
        return pending, oldest["seq"] if oldest else None

    async def prune(self, *, sent_before: datetime, limit: int) -> int:
        old = self._outbox.find({"published_at": {"$lt": sent_before}}, {"_id": 1}).limit(limit)
        ids = [doc["_id"] async for doc in old]
        if not ids:
            return 0
        result = await self._outbox.delete_many({"_id": {"$in": ids}})
        return int(result.deleted_count)


class MongoOutboxRelay(RelayLoop):
    def __init__(
        self,
        *,
        outbox: Collection,
        rabbitmq_url: str,
        service: str,
        wake: asyncio.Event,
        **options: Any,
    ) -> None:
        super().__init__(
            source=MongoOutboxSource(outbox),
            publisher=EventPublisher(rabbitmq_url=rabbitmq_url, service=service),
            service=service,
            wake=wake,
            **options,
        )


def outbox_doc(event: DomainEvent) -> dict[str, Any]:
    """The outbox document for an event, in the shape MongoOutboxSource reads."""
    envelope = cloud_event(
        event_type=event.type, source=SOURCE, data=event.data(), request_id=get_request_id()
    )
    return {
        "_id": envelope["id"],
        "event_type": event.type,
        "payload": orjson.dumps(envelope).decode(),
        "seq": utcnow(),
        "published_at": None,
    }
