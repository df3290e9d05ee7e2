"""The worker's queue deleted under it (by an operator, a policy, a script that re-creates
it): the broker cancels the consumer, and the worker must declare and bind its queue again
and go on consuming rather than sit idle (and ready) forever."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aio_pika
import pytest

from tests.integration.notifications.conftest import WorkerFactory
from tests.integration.notifications.support import eventually, user_registered
from tests.support.databases import RABBITMQ_URL
from tests.support.smtp import MailServer

pytestmark = pytest.mark.timeout(300)


async def _consumers(queue: str) -> int:
    """Consumers on the queue now; 0 when it does not exist."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return 0
        return int(declared.declaration_result.consumer_count or 0)


# "re-created": the queue exists again at once, unbound and unconsumed, as when another
# worker on the same queue declares it first; a worker that only noticed a missing queue
# would never notice this.
@pytest.mark.parametrize("recreated", [False, True], ids=["deleted", "deleted-and-re-created"])
async def test_a_deleted_queue_is_declared_again_and_consumed(
    worker_factory: WorkerFactory,
    smtp: MailServer,
    publish: Callable[..., Any],
    queue_name: str,
    recreated: bool,
) -> None:
    worker = worker_factory()
    before = user_registered()
    await publish(before)
    await eventually(lambda: bool(smtp.mails_for(before["id"])))

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue_name)
        if recreated:
            await channel.declare_queue(queue_name, durable=True)

    async with asyncio.timeout(30):
        while await _consumers(queue_name) < 1:
            await asyncio.sleep(0.2)
    assert worker.proc is not None and worker.proc.poll() is None  # no restart needed
    # Bound again as well: an event published from now on is mailed.
    after = user_registered()
    await publish(after)
    await eventually(lambda: bool(smtp.mails_for(after["id"])))
    assert "consumer_cancelled" in worker.logs()
