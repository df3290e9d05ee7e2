"""Listening on the real `shop.events` exchange from a test."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import orjson

from shop.common.outbox_relay import declare_exchange
from tests.support.databases import RABBITMQ_URL

Queue = aio_pika.abc.AbstractQueue


@asynccontextmanager
async def bound_queue(routing_key: str, *, name: str | None = None) -> AsyncIterator[Queue]:
    """A throwaway queue (named by the broker unless `name` is given) bound to shop.events,
    gone when the block ends."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        exchange = await declare_exchange(channel)
        queue = await channel.declare_queue(name, exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=routing_key)
        yield queue
    finally:
        await connection.close()


async def first_matching(
    queue: Queue, matches: Callable[[dict[str, Any]], bool], *, within: float
) -> tuple[dict[str, Any], aio_pika.abc.AbstractIncomingMessage] | None:
    """The first event (and its message) for which matches() holds; None after `within` s.

    Other tests share the broker, so unrelated events are read and dropped on the way.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        message = await queue.get(fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        await message.ack()
        event: dict[str, Any] = orjson.loads(message.body)
        if matches(event):
            return event, message
    return None


async def received_ids(queue: Queue, count: int, *, within: float = 30) -> Counter[str]:
    """How often each message id arrived, acking every one, until `count` messages came
    (TimeoutError after `within` s); the caller checks nothing more follows."""
    seen: Counter[str] = Counter()
    async with asyncio.timeout(within):
        while sum(seen.values()) < count:
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            seen[str(message.message_id)] += 1
            await message.ack()
    return seen
