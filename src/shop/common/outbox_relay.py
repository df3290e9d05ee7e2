"""Publishes outbox rows to RabbitMQ, marking each sent only after the broker confirms it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import aio_pika
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.common.events import EXCHANGE
from shop.common.logging import get_logger
from shop.common.metrics import OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED
from shop.common.outbox import utcnow
from shop.common.repeated_warning import RepeatedWarning

log = get_logger("shop.outbox")


class OutboxRelay:
    """A background task per process: drain the outbox, wait for a wake-up or a poll tick."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        outbox: Table,
        rabbitmq_url: str,
        service: str,
        wake: asyncio.Event,
        poll_seconds: float = 0.5,
        batch_size: int = 100,
        max_backoff_seconds: float = 10.0,
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._url = rabbitmq_url
        self._service = service
        self._wake = wake
        self._poll = poll_seconds
        self._batch = batch_size
        self._max_backoff = max_backoff_seconds
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        # A broker that is down fails every retry; say it once, not every few seconds.
        self._broker_down = RepeatedWarning(
            log,
            "broker_unreachable",
            back_event="broker_back",
            hint="events wait in the outbox and go out once the broker is back",
        )
        self._publish_failing = RepeatedWarning(
            log, "outbox_publish_failed", back_event="outbox_publishing_again"
        )

    async def run(self) -> None:
        """Runs until cancelled (closing its connection then); broker or database outages
        only delay publication."""
        try:
            await self._run()
        finally:
            await self._disconnect()

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                published = await self.drain_once()
                backoff = 0.2
                self._broker_down.recovered()
                self._publish_failing.recovered()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
                failing = self._broker_down if _unreachable(exc) else self._publish_failing
                failing.failed(error=type(exc).__name__)
                await self._disconnect()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                self._wake.clear()

    async def drain_once(self) -> int:
        """Publishes one batch of unpublished events in order; returns how many."""
        async with self._engine.connect() as conn:
            query = (
                select(
                    self._outbox.c.id,
                    self._outbox.c.event_id,
                    self._outbox.c.event_type,
                    self._outbox.c.payload,
                )
                .where(self._outbox.c.published_at.is_(None))
                .order_by(self._outbox.c.id)
                .limit(self._batch)
            )
            if conn.dialect.name != "sqlite":
                # Several replicas may relay one outbox; each row goes through one of them.
                query = query.with_for_update(skip_locked=True)
            rows = (await conn.execute(query)).all()
            if not rows:
                await conn.rollback()
                return 0
            exchange = await self._ensure_exchange()
            sent_ids: list[int] = []
            try:
                for row in rows:
                    await self._publish(exchange, row.event_id, row.event_type, row.payload)
                    sent_ids.append(row.id)
            finally:
                if sent_ids:
                    await self._mark_sent(conn, sent_ids, utcnow())
                await conn.commit()
        OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _mark_sent(self, conn: AsyncConnection, ids: list[int], now: datetime) -> None:
        await conn.execute(
            update(self._outbox).where(self._outbox.c.id.in_(ids)).values(published_at=now)
        )

    async def _publish(
        self, exchange: AbstractExchange, event_id: str, event_type: str, payload: str
    ) -> None:
        request_id = orjson.loads(payload).get("requestid")
        message = aio_pika.Message(
            body=payload.encode(),
            content_type="application/cloudevents+json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=event_id,
            type=event_type,
            headers={"x-request-id": request_id} if request_id else {},
        )
        # With publisher confirms on, this returns only once the broker has the message.
        await exchange.publish(message, routing_key=event_type, timeout=10)

    async def _ensure_exchange(self) -> AbstractExchange:
        if self._exchange is not None and self._connection and not self._connection.is_closed:
            return self._exchange
        self._connection = await aio_pika.connect(self._url, timeout=5)
        channel: AbstractChannel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await declare_exchange(channel)
        log.info("outbox_connected")
        return self._exchange

    async def _disconnect(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def close(self) -> None:
        await self._disconnect()


def _unreachable(exc: BaseException) -> bool:
    """The broker cannot be reached (refused, timed out, DNS), as opposed to other failures."""
    return isinstance(exc, OSError | TimeoutError)  # aio-pika's connection errors are OSErrors


async def declare_exchange(channel: AbstractChannel) -> AbstractExchange:
    """The contract's durable topic exchange (declaring is idempotent)."""
    return await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
