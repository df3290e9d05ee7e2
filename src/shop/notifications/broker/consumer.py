"""Consumes the worker's queue: ack what was handled (`acks` sends them together), hand
failures to `failed`, and start a new session (declaring the queues again) whenever the old
one ends. No message, lost connection or deleted queue can stop the worker.

aio_pika connects and declares; deliveries come straight from its aiormq channel. aio_pika's
consumer wraps each delivery in an IncomingMessage (a dozen validated attribute sets) and
runs the callback in a second task, for nothing a handled message needs: only a failed one
is wrapped, for `failed` to move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel
from aio_pika.message import IncomingMessage
from aiormq.abc import DeliveredMessage

from shop.common.logging import get_logger
from shop.common.metrics import Children
from shop.common.repeated_warning import RepeatedWarning
from shop.notifications.broker.acks import ChannelAcks
from shop.notifications.broker.failed import route_failure
from shop.notifications.broker.topology import Queues, declare, delete_side_queues
from shop.notifications.handling import EventHandler
from shop.notifications.metrics import DLQ_DEPTH, NOTIFICATIONS, QUEUE_DEPTH

log = get_logger("shop.notifications")
_HANDLED = Children(NOTIFICATIONS)


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
            # Also after a session that ended cleanly (a cancelled consumer, a failed move):
            # a broker that keeps ending sessions must not turn this into a hot loop.
            await asyncio.sleep(pause)

    async def _consume(self, connection: aio_pika.abc.AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        self._broken = asyncio.Event()
        try:
            await channel.set_qos(prefetch_count=self._prefetch)
            queue = await declare(channel, self._queues)
            underlay = cast(aiormq.Channel, await channel.get_underlay_channel())
            underlay.on_consumer_cancel_callbacks.add(self._on_cancelled)
            acks = ChannelAcks(underlay)
            acking = asyncio.ensure_future(acks.run())
            # What queue.consume(callback) does, minus its wrapper (see the module's doc).
            on_message = functools.partial(self._on_message, channel, acks)
            await underlay.basic_consume(queue.name, on_message)
            # Ready only now: an event published before the queue is bound is routed
            # nowhere, so "ready" must mean "bound and consuming", not "connected".
            self._channel = channel
            log.info("worker_ready", queue=self._queues.main)
            closed = asyncio.ensure_future(connection.closed())
            broken = asyncio.ensure_future(self._broken.wait())
            ends = {closed, broken, acking}
            try:
                while not any(end.done() for end in ends):
                    await self._refresh_depths(channel)
                    # FIRST_COMPLETED: the default waits for all, so a broken session
                    # would linger until the next refresh.
                    await asyncio.wait(
                        ends, timeout=self._refresh, return_when=asyncio.FIRST_COMPLETED
                    )
                if acking.done() and not acking.cancelled():
                    acking.result()  # the acks could not be sent: a new session
            finally:
                for end in ends:
                    end.cancel()
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

    async def _on_message(
        self, channel: AbstractChannel, acks: ChannelAcks, delivered: DeliveredMessage
    ) -> None:
        tag = delivered.delivery_tag
        assert tag is not None  # always, for a delivery (the type allows a basic.get's empty)
        acks.received(tag)
        try:
            event, outcome = await self._handler.handle(delivered.body)
        except Exception as exc:
            message = IncomingMessage(delivered)
            moved = await route_failure(
                channel, message, exc, queues=self._queues, retry_base_seconds=self._base
            )
            if moved:
                acks.ready(tag)
            else:
                # Left unacked: the new session's channel gets it delivered again.
                self._broken.set()
            return
        _HANDLED(event.type, outcome.value).inc()
        acks.ready(tag)

    def _on_cancelled(self, _frame: object) -> None:
        # The broker cancels a consumer whose queue was deleted, and the channel stays
        # open, so nothing else would notice (the depth refresh only does if the queue is
        # still missing by then). A new session declares the queue again and consumes.
        log.warning("consumer_cancelled", queue=self._queues.main, action="declaring it again")
        self._channel = None  # not ready until consuming again
        self._broken.set()
