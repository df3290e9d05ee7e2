"""The one component that puts outbox events on the broker, for every relay.

A batch is published as a pipeline: every message goes out in one write
(common.confirmed_batch), then the broker's confirms are awaited together, and the caller
learns which ones were confirmed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import aio_pika
import aiormq
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from aio_pika.connection import make_url

from shop.common import tracing
from shop.common.amqp_frames import message_properties
from shop.common.confirmed_batch import Outgoing, publish_confirmed
from shop.common.events import EXCHANGE
from shop.common.logging import get_logger
from shop.common.metrics import OUTBOX_PUBLISHED

log = get_logger("shop.outbox")


@dataclass(frozen=True)
class OutgoingEvent:
    """One outbox row as the publisher needs it; `key` is the row's id in its store."""

    key: Any
    event_id: str
    event_type: str
    payload: str


async def connect(url: str, *, within_seconds: float) -> AbstractConnection:
    """`aio_pika.connect`, except that a connection which fails to open is closed at once.

    aio_pika leaves it to the garbage collector, held by the error's traceback; its finaliser
    then schedules `close()` on whatever loop is current, and where none runs the coroutine is
    never awaited (the unraisable warning that failed a synchronous test now and then).
    """
    connection = aio_pika.Connection(make_url(url))
    try:
        await connection.connect(timeout=within_seconds)
    except BaseException:
        await connection.close()
        raise
    return connection


class PublishIncomplete(Exception):
    """Some events of a batch were not confirmed; the rest were."""


async def declare_exchange(channel: AbstractChannel) -> AbstractExchange:
    """The contract's durable topic exchange (declaring is idempotent)."""
    return await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)


def _outgoing(event: OutgoingEvent, envelope: dict[str, Any]) -> Outgoing:
    # The frame aio_pika's Message and Exchange.publish would send (mandatory, priority 0),
    # built here directly: their per-message bookkeeping (a validated, lockable Message)
    # was a large share of the relay's CPU per event.
    request_id = envelope.get("requestid")
    properties = message_properties(
        content_type="application/cloudevents+json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        priority=0,
        message_id=event.event_id,
        message_type=event.event_type,
        headers={"x-request-id": request_id} if request_id else {},
    )
    return Outgoing(event.event_type, event.event_id, event.payload.encode(), properties)


class EventPublisher:
    """Holds one confirmed channel for the life of a relay; reconnects when it breaks."""

    def __init__(self, *, rabbitmq_url: str, service: str, timeout: float = 10.0) -> None:
        self._url = rabbitmq_url
        self._service = service
        self._timeout = timeout
        self._connection: AbstractConnection | None = None
        self._channel: aiormq.Channel | None = None

    async def publish(self, events: Sequence[OutgoingEvent]) -> list[OutgoingEvent]:
        """Publishes the batch with pipelined confirms; returns the confirmed events.

        Raises only when nothing could be sent at all (no connection); a partial failure
        returns what was confirmed and drops the connection so the next batch starts clean.
        """
        channel = await self._ensure_channel()
        envelopes = [orjson.loads(event.payload) for event in events]
        with contextlib.ExitStack() as spans:
            for envelope in envelopes:
                spans.enter_context(tracing.publishing(envelope))
            outgoing = [_outgoing(e, env) for e, env in zip(events, envelopes, strict=True)]
            try:
                outcomes = await publish_confirmed(
                    channel,
                    outgoing,
                    exchange=EXCHANGE,
                    mandatory=True,
                    confirm_seconds=self._timeout,
                )
            except Exception as exc:  # the channel closed under us: none of them went out
                outcomes = [exc] * len(events)
        confirmed = [e for e, r in zip(events, outcomes, strict=True) if r is None]
        failures = [r for r in outcomes if r is not None]
        if confirmed:
            OUTBOX_PUBLISHED.labels(self._service).inc(len(confirmed))
        if failures:
            log.warning(
                "outbox_publish_incomplete",
                confirmed=len(confirmed),
                failed=len(failures),
                error=type(failures[0]).__name__,
            )
            await self.close()
        return confirmed

    async def _ensure_channel(self) -> aiormq.Channel:
        if self._channel is not None and self._connection and not self._connection.is_closed:
            return self._channel
        await self.close()
        self._connection = await connect(self._url, within_seconds=5)
        channel = await self._connection.channel(publisher_confirms=True)
        await declare_exchange(channel)
        # aiormq's own channel: its basic_publish takes `wait`, which its abstract one lacks.
        self._channel = cast(aiormq.Channel, await channel.get_underlay_channel())
        log.info("outbox_connected", service=self._service)
        return self._channel

    async def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
