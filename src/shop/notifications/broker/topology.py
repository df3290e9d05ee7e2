"""The worker's queues on the broker, and moving a message to a retry or dead-letter queue.

Retries use delay queues: `<queue>.retry.<n>` holds the messages waiting for attempt n+1,
each with its own jittered expiry, and dead-letters them back to `<queue>` through the
default exchange (so other subscribers of shop.events never see a retry). A queue per
attempt keeps the delays in one queue within a factor of two of each other, so a message
never waits behind one that expires much later (RabbitMQ expires only at the head).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from shop.common.outbox_relay import declare_exchange
from shop.notifications.events import EVENT_TYPES

ATTEMPTS_HEADER = "x-shop-attempts"
ERROR_HEADER = "x-shop-error"
# Beyond this many levels the delay stops growing (base * 2**11: 34 min at base 1 s).
MAX_RETRY_LEVELS = 12
# A throwaway (auto-delete) worker's side queues vanish this long after last use.
THROWAWAY_EXPIRES_MS = 300_000


@dataclass(frozen=True)
class Queues:
    main: str
    max_attempts: int
    auto_delete: bool = False

    @property
    def dlq(self) -> str:
        return f"{self.main}.dlq"

    @property
    def retry_levels(self) -> int:
        return max(0, min(self.max_attempts - 1, MAX_RETRY_LEVELS))

    def retry(self, attempt: int) -> str:
        """The delay queue for a message whose attempt number `attempt` just failed."""
        return f"{self.main}.retry.{min(attempt, self.retry_levels)}"

    def side_queues(self) -> list[str]:
        return [self.dlq, *(f"{self.main}.retry.{n}" for n in range(1, self.retry_levels + 1))]


def retry_delay(attempt: int, base_seconds: float) -> float:
    """Exponential backoff with jitter: somewhere in the upper half of base * 2**(n-1)."""
    ceiling = base_seconds * 2 ** (min(attempt, MAX_RETRY_LEVELS) - 1)
    return random.uniform(ceiling / 2, ceiling)


async def declare(channel: AbstractChannel, queues: Queues) -> AbstractQueue:
    """Declares every queue and binding (idempotent); returns the main queue."""
    exchange = await declare_exchange(channel)
    main = await channel.declare_queue(queues.main, durable=True, auto_delete=queues.auto_delete)
    # Workers before the contract bound "#"; unbinding a missing binding is a no-op.
    await main.unbind(exchange, routing_key="#")
    for routing_key in EVENT_TYPES:
        await main.bind(exchange, routing_key=routing_key)
    expires: dict[str, Any] = {"x-expires": THROWAWAY_EXPIRES_MS} if queues.auto_delete else {}
    await channel.declare_queue(queues.dlq, durable=True, arguments=expires or None)
    for level in range(1, queues.retry_levels + 1):
        await channel.declare_queue(
            f"{queues.main}.retry.{level}",
            durable=True,
            arguments={
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queues.main,
                **expires,
            },
        )
    return main


async def delete_side_queues(channel: AbstractChannel, queues: Queues) -> None:
    for name in queues.side_queues():
        await channel.queue_delete(name)


def attempts_of(message: AbstractIncomingMessage) -> int:
    """How many attempts this message has already had (0 for a first delivery)."""
    value = (message.headers or {}).get(ATTEMPTS_HEADER, 0)
    return max(0, value) if isinstance(value, int) and not isinstance(value, bool) else 0


async def move(
    channel: AbstractChannel,
    message: AbstractIncomingMessage,
    *,
    to: str,
    attempts: int,
    error: str | None = None,
    delay_seconds: float | None = None,
) -> None:
    """Publishes a copy of the message to a queue (confirmed); the caller then acks it."""
    headers: dict[str, Any] = {**(message.headers or {}), ATTEMPTS_HEADER: attempts}
    if error is not None:
        headers[ERROR_HEADER] = error
    copy = aio_pika.Message(
        body=message.body,
        content_type=message.content_type,
        message_id=message.message_id,
        type=message.type,
        headers=headers,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        expiration=delay_seconds,
    )
    await channel.default_exchange.publish(copy, routing_key=to, mandatory=True, timeout=10)
