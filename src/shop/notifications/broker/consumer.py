"""Consumes the worker's queue: ack what was handled, retry what may work later, dead-letter
the rest. Nothing is requeued in a loop, and no message can stop the worker."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from shop.common.logging import get_logger
from shop.common.repeated_warning import RepeatedWarning
from shop.notifications.broker.topology import (
    Queues,
    attempts_of,
    declare,
    delete_side_queues,
    move,
)
from shop.notifications.broker.topology import retry_delay as backoff
from shop.notifications.events import parse_event
from shop.notifications.failures import PermanentFailure, classify
from shop.notifications.handling import EventHandler
from shop.notifications.metrics import DLQ_DEPTH, NOTIFICATIONS, QUEUE_DEPTH

log = get_logger("shop.notifications")


class Consumer:
    def __init__(
        self,
        *,
        handler: EventHandler,
        rabbitmq_url: str,
        queues: Queues,
        prefetch: int,
        retry_base_seconds: float,
        depth_refresh_seconds: float = 5.0,
    ) -> None:
        self._handler = handler
        self._url = rabbitmq_url
        self._queues = queues
        self._prefetch = prefetch
        self._base = retry_base_seconds
        self._refresh = depth_refresh_seconds
        self._channel: AbstractChannel | None = None
        self._broken = asyncio.Event()

    @property
    def consuming(self) -> bool:
        """Bound and consuming: what readiness reports."""
        return self._channel is not None and not self._channel.is_closed

    async def run(self) -> None:
        """Consumes until cancelled, reconnecting with backoff while the broker is away."""
        pause = 0.5
        broker_down = RepeatedWarning(
            log,
            "broker_unreachable",
            back_event="broker_back",
            hint="events wait in the services' outboxes and are delivered once it is back",
        )
        while True:
            try:
                connection = await aio_pika.connect(self._url, timeout=5)
            except (OSError, aio_pika.exceptions.AMQPError, TimeoutError) as exc:
                broker_down.failed(error=type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 10)
                continue
            pause = 0.5
            broker_down.recovered()
            try:
                async with connection:
                    await self._consume(connection)
            except Exception as exc:
                # A lost channel or a refused declaration: start over on a new connection.
                log.warning("broker_session_lost", error=type(exc).__name__, retry_in=pause)
                await asyncio.sleep(pause)

    async def _consume(self, connection: aio_pika.abc.AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        self._broken = asyncio.Event()
        try:
            await channel.set_qos(prefetch_count=self._prefetch)
            queue = await declare(channel, self._queues)
            await queue.consume(functools.partial(self._on_message, channel))
            # Ready only now: an event published before the queue is bound is routed
            # nowhere, so "ready" must mean "bound and consuming", not "connected".
            self._channel = channel
            log.info("worker_ready", queue=self._queues.main)
            closed = asyncio.ensure_future(connection.closed())
            broken = asyncio.ensure_future(self._broken.wait())
            try:
                while not (closed.done() or broken.done()):
                    await self._refresh_depths(channel)
                    await asyncio.wait({closed, broken}, timeout=self._refresh)
            finally:
                closed.cancel()
                broken.cancel()
        finally:
            self._channel = None
            if self._queues.auto_delete and not channel.is_closed:
                with contextlib.suppress(Exception):
                    await delete_side_queues(channel, self._queues)

    async def _refresh_depths(self, channel: AbstractChannel) -> None:
        main = await channel.declare_queue(self._queues.main, passive=True)
        dlq = await channel.declare_queue(self._queues.dlq, passive=True)
        QUEUE_DEPTH.set(main.declaration_result.message_count or 0)
        DLQ_DEPTH.set(dlq.declaration_result.message_count or 0)

    async def _on_message(self, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        attempt = attempts_of(message) + 1
        try:
            event, outcome = await self._handler.handle(message.body)
        except Exception as exc:
            failure = classify(exc)
            kind = _type_label(message.body)
            if isinstance(failure, PermanentFailure):
                await self._dead_letter(channel, message, kind, attempt, str(failure))
            elif attempt >= self._queues.max_attempts:
                reason = f"gave up after {attempt} attempts: {failure}"
                await self._dead_letter(channel, message, kind, attempt, reason)
            else:
                await self._retry(channel, message, kind, attempt, str(failure))
            return
        NOTIFICATIONS.labels(event.type, outcome.value).inc()
        await message.ack()

    async def _retry(
        self,
        channel: AbstractChannel,
        message: AbstractIncomingMessage,
        kind: str,
        attempt: int,
        reason: str,
    ) -> None:
        delay = backoff(attempt, self._base)
        log.warning(
            "notification_retry",
            event_type=kind,
            message_id=message.message_id,
            attempt=attempt,
            retry_in=round(delay, 2),
            reason=reason,
        )
        to = self._queues.retry(attempt)
        if await self._moved(channel, message, to=to, attempts=attempt, delay_seconds=delay):
            NOTIFICATIONS.labels(kind, "retried").inc()

    async def _dead_letter(
        self,
        channel: AbstractChannel,
        message: AbstractIncomingMessage,
        kind: str,
        attempt: int,
        reason: str,
    ) -> None:
        log.error("notification_dead_lettered", event_type=kind, attempts=attempt, reason=reason)
        if await self._moved(channel, message, to=self._queues.dlq, attempts=attempt, error=reason):
            NOTIFICATIONS.labels(kind, "dead_lettered").inc()

    async def _moved(
        self,
        channel: AbstractChannel,
        message: AbstractIncomingMessage,
        *,
        to: str,
        attempts: int,
        error: str | None = None,
        delay_seconds: float | None = None,
    ) -> bool:
        try:
            await move(
                channel,
                message,
                to=to,
                attempts=attempts,
                error=error,
                delay_seconds=delay_seconds,
            )
            await message.ack()
            return True
        except Exception as exc:
            # Left unacked: the reconnect that follows redeclares the queues and the
            # broker delivers the message again.
            log.error("notification_move_failed", to=to, error=type(exc).__name__)
            self._broken.set()
            return False


def _type_label(body: bytes) -> str:
    # Metric labels stay bounded: a known type, or "invalid".
    try:
        return parse_event(body).type
    except PermanentFailure:
        return "invalid"
