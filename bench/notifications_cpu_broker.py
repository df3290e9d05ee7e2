"""CPU per order.created event in the notification worker, through RabbitMQ.

`uv run python -m bench.notifications_cpu_broker [N]`: the worker as `bootstrap.build` wires
it (SQLite store and .eml drop under a temp DATA_DIR, its consumer on a throwaway queue of
the local broker) in this process; a child process publishes N distinct events to
shop.events, so this process's CPU is the worker's alone (prefetch 32, as configured).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
from prometheus_client import REGISTRY
from tests.support.databases import RABBITMQ_URL

from bench.notifications_cpu import order_created
from shop.common.logging import configure_logging
from shop.common.publisher import declare_exchange

WARMUP = 200


async def publish(count: int) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await declare_exchange(channel)
        for n in range(count):
            message = aio_pika.Message(order_created(n), content_type="application/json")
            await exchange.publish(message, routing_key="order.created")


async def measure(count: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="notif-broker-bench-"))
    os.environ.update(
        DATA_DIR=str(root),
        RABBITMQ_URL=RABBITMQ_URL,
        NOTIFICATION_QUEUE=f"notifications-bench-{uuid.uuid4().hex[:8]}",
        NOTIFICATION_QUEUE_AUTO_DELETE="true",
    )
    # Imported once the environment is set: settings read it.
    from shop.notifications import bootstrap
    from shop.notifications.settings import NotificationSettings

    settings = NotificationSettings()
    await bootstrap.migrate(settings)
    ctx = bootstrap.build(settings)
    assert ctx.consumer is not None
    consuming = asyncio.create_task(ctx.consumer.run())
    try:
        while not ctx.consumer.consuming:
            await asyncio.sleep(0.05)
        await _publish_and_wait(WARMUP, WARMUP)
        cpu, wall = time.process_time(), time.perf_counter()
        await _publish_and_wait(count, WARMUP + count)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await ctx.aclose()
        shutil.rmtree(root, ignore_errors=True)
    each = f"{cpu / count * 1e6:.0f} us CPU, {wall / count * 1e6:.0f} us wall each"
    print(f"{count} events via RabbitMQ: {each}")


def _mailed() -> float:
    # The worker's own counter: cheaper to read than listing the mail drop.
    labels = {"type": "order.created", "result": "sent"}
    return REGISTRY.get_sample_value("notifications_total", labels) or 0.0


async def _publish_and_wait(count: int, mailed: int) -> None:
    child = [sys.executable, "-m", "bench.notifications_cpu_broker", "publish", str(count)]
    publisher = await asyncio.create_subprocess_exec(*child)
    while _mailed() < mailed:
        await asyncio.sleep(0.02)
    assert await publisher.wait() == 0


def main() -> None:
    args = sys.argv[1:]
    count = int(next((a for a in args if a.isdigit()), "1000"))
    if args[:1] == ["publish"]:
        asyncio.run(publish(count))
        return
    configure_logging(service="notifications", level="WARNING")
    asyncio.run(measure(count))


if __name__ == "__main__":
    main()
