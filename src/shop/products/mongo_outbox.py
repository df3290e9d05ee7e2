"""Publishes the MongoDB store's outbox collection to RabbitMQ (the SQL relay's twin)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractConnection, AbstractExchange
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shop.common.context import get_request_id
from shop.common.events import DomainEvent, cloud_event
from shop.common.logging import get_logger
from shop.common.outbox_relay import declare_exchange
from shop.common.tracing import publishing
from shop.products.domain import utcnow
from shop.products.events import SOURCE

log = get_logger("shop.products.mongo_outbox")


class MongoOutboxRelay:
    """Sends unpublished events in order; each is marked only after the broker confirms."""

    def __init__(
        self,
        *,
        outbox: AsyncCollection[dict[str, Any]],
        rabbitmq_url: str,
        wake: asyncio.Event,
        poll_seconds: float = 0.5,
    ) -> None:
        self._outbox = outbox
        self._url = rabbitmq_url
        self._wake = wake
        self._poll = poll_seconds
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def run(self) -> None:
        """Runs until cancelled; outages only delay publication."""
        while True:
            try:
                await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_publish_failed", error=type(exc).__name__)
                await self.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            self._wake.clear()

    async def drain_once(self) -> int:
        exchange = await self._ensure_exchange()
        sent = 0
        cursor = self._outbox.find({"published_at": None}).sort("seq", ASCENDING).limit(100)
        async for doc in cursor:
            payload: str = doc["payload"]
            event = orjson.loads(payload)
            request_id = event.get("requestid")
            message = aio_pika.Message(
                body=payload.encode(),
                content_type="application/cloudevents+json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=doc["_id"],
                type=doc["event_type"],
                headers={"x-request-id": request_id} if request_id else {},
            )
            with publishing(event):
                await exchange.publish(message, routing_key=doc["event_type"], timeout=10)
            await self._outbox.update_one({"_id": doc["_id"]}, {"$set": {"published_at": utcnow()}})
            sent += 1
        return sent

    async def _ensure_exchange(self) -> AbstractExchange:
        if self._exchange is not None and self._connection and not self._connection.is_closed:
            return self._exchange
        self._connection = await aio_pika.connect(self._url, timeout=5)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await declare_exchange(channel)
        return self._exchange

    async def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


def outbox_doc(event: DomainEvent) -> dict[str, Any]:
    """The outbox document for an event, in the shape MongoOutboxRelay reads."""
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
