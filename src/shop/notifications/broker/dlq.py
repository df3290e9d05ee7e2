"""`python -m shop.notifications replay-dlq`: dead letters back into the worker's queue."""

from __future__ import annotations

import aio_pika

from shop.common.logging import get_logger
from shop.notifications.broker.topology import ATTEMPTS_HEADER, ERROR_HEADER, Queues, declare, move

log = get_logger("shop.notifications.dlq")


async def replay_dead_letters(*, rabbitmq_url: str, queues: Queues) -> int:
    """Moves every message now in the DLQ back to the main queue with fresh attempts.

    Only the messages there at the start are moved, so one that fails again at once comes
    back to the DLQ without being replayed twice.
    """
    connection = await aio_pika.connect(rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await declare(channel, queues)
        dlq = await channel.declare_queue(queues.dlq, passive=True)
        waiting = dlq.declaration_result.message_count or 0
        moved = 0
        for _ in range(waiting):
            message = await dlq.get(fail=False, timeout=10)
            if message is None:
                break
            if message.headers:
                # The next failure writes its own reason; attempts start again.
                message.headers.pop(ERROR_HEADER, None)
                message.headers.pop(ATTEMPTS_HEADER, None)
            await move(channel, message, to=queues.main, attempts=0)
            await message.ack()
            moved += 1
    log.info("dead_letters_replayed", count=moved, queue=queues.main)
    return moved
