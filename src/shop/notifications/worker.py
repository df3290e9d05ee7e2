"""Consumes `shop.events`; each event is handled once however often it is delivered."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import aio_pika
import orjson
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.context import set_request_id
from shop.common.logging import get_logger
from shop.common.outbox_relay import declare_exchange
from shop.common.repeated_warning import RepeatedWarning
from shop.notifications.messages import notification_for
from shop.notifications.models import delivered_notifications

log = get_logger("shop.notifications")


async def handle_event(engine: AsyncEngine, body: bytes) -> bool:
    """Records and delivers one event; False when it was already handled (a redelivery)."""
    event = orjson.loads(body)
    event_id = str(event["id"])
    set_request_id(event.get("requestid"))
    notification = notification_for(event)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                delivered_notifications.insert().values(
                    event_id=event_id,
                    event_type=str(event.get("type")),
                    recipient=notification.recipient if notification else None,
                    message=notification.message if notification else "",
                    request_id=event.get("requestid"),
                    delivered_at=datetime.now(UTC),
                )
            )
    except IntegrityError:
        log.info("notification_duplicate", event_id=event_id)
        return False
    if notification is not None:
        # The delivery channel (email, SMS) is an external boundary; here it is the log.
        log.info(
            "notification_sent",
            event_id=event_id,
            event_type=event.get("type"),
            recipient=notification.recipient,
            text=notification.message,
        )
    return True


async def consume(
    engine: AsyncEngine,
    *,
    rabbitmq_url: str,
    queue_name: str,
    prefetch: int,
    stop: asyncio.Event,
    auto_delete: bool = False,
) -> None:
    """Consumes until stop is set, reconnecting with backoff while the broker is away."""
    backoff = 0.5
    broker_down = RepeatedWarning(
        log,
        "broker_unreachable",
        back_event="broker_back",
        hint="events wait in the services' outboxes and are delivered once it is back",
    )
    while not stop.is_set():
        try:
            connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        except Exception as exc:
            broker_down.failed(error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, 10)
            continue
        backoff = 0.5
        broker_down.recovered()
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=prefetch)
            exchange = await declare_exchange(channel)
            queue = await channel.declare_queue(queue_name, durable=True, auto_delete=auto_delete)
            await queue.bind(exchange, routing_key="#")

            async def on_message(message: AbstractIncomingMessage) -> None:
                try:
                    await handle_event(engine, message.body)
                except (ValueError, KeyError):
                    log.warning("notification_malformed", message_id=message.message_id)
                    await message.reject(requeue=False)
                    return
                except Exception:
                    log.exception("notification_failed", message_id=message.message_id)
                    await message.nack(requeue=True)
                    return
                await message.ack()

            await queue.consume(on_message)
            log.info("worker_ready", queue=queue_name)
            closed = asyncio.ensure_future(connection.closed())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            stopped.cancel()
