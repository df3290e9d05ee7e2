"""CPU per order.created event in the notification worker, through RabbitMQ.

`uv run python -m bench.notifications_cpu_broker [N] [--burst B] [--mail-dir DIR]
[--profile [tottime]]`:
the worker as `bootstrap.build` wires it (SQLite store and .eml drop under a temp DATA_DIR,
its consumer on a throwaway queue of the local broker) in this process; a child process
publishes N distinct events to shop.events, so this process's CPU is the worker's alone
(prefetch 32, as configured), on uvloop with the start-up heap frozen as the worker runs.
`--burst B`: the events go out B at a time in one write, as the order service's outbox
publishes a round's events (EventPublisher); without it, one at a time, each confirmed
before the next.
`--mail-dir`, the user/system split and the profile: see bench/notifications_cpu.py.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import orjson
import uvloop
from tests.support.databases import RABBITMQ_URL

from bench.notifications_cpu import order_created
from shop.common.heap import freeze_startup_objects
from shop.common.logging import configure_logging
from shop.common.publisher import EventPublisher, OutgoingEvent, declare_exchange
from shop.notifications.metrics import NOTIFICATIONS

WARMUP = 200


async def publish(count: int, burst: int) -> None:
    if burst > 1:
        return await publish_bursts(count, burst)
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await declare_exchange(channel)
        for n in range(count):
            message = aio_pika.Message(order_created(n), content_type="application/json")
            await exchange.publish(message, routing_key="order.created")


async def publish_bursts(count: int, burst: int) -> None:
    publisher = EventPublisher(rabbitmq_url=RABBITMQ_URL, service="bench")
    try:
        for first in range(0, count, burst):
            bodies = [order_created(n) for n in range(first, min(first + burst, count))]
            events = [
                OutgoingEvent(
                    key=n,
                    event_id=orjson.loads(body)["id"],
                    event_type="order.created",
                    payload=body.decode(),
                )
                for n, body in enumerate(bodies)
            ]
            while events:  # an unconfirmed event goes again (the publisher reconnects)
                confirmed = await publisher.publish(events)
                events = [event for event in events if event not in confirmed]
    finally:
        await publisher.close()


async def measure(count: int, *, burst: int, profile: bool, mail_dir: str | None) -> None:
    root = Path(tempfile.mkdtemp(prefix="notif-broker-bench-"))
    mail = Path(tempfile.mkdtemp(prefix="notif-broker-bench-mail-", dir=mail_dir or root))
    os.environ.update(
        DATA_DIR=str(root),
        RABBITMQ_URL=RABBITMQ_URL,
        NOTIFICATION_QUEUE=f"notifications-bench-{uuid.uuid4().hex[:8]}",
        NOTIFICATION_QUEUE_AUTO_DELETE="true",
    )
    # Imported once the environment is set: settings read it.
    from shop.notifications import bootstrap
    from shop.notifications.mail.transports import MailDropTransport
    from shop.notifications.settings import NotificationSettings

    settings = NotificationSettings()
    await bootstrap.migrate(settings)
    ctx = bootstrap.build(settings, transport=MailDropTransport(mail))
    assert ctx.consumer is not None
    consuming = asyncio.create_task(ctx.consumer.run())
    try:
        while not ctx.consumer.consuming:
            await asyncio.sleep(0.05)
        freeze_startup_objects()  # what serve_service does once the worker serves
        await _publish_and_wait(WARMUP, WARMUP, burst)
        profiler = cProfile.Profile(time.process_time) if profile else None
        start, wall = os.times(), time.perf_counter()
        if profiler:
            profiler.enable()
        await _publish_and_wait(count, WARMUP + count, burst)
        if profiler:
            profiler.disable()
        end, wall = os.times(), time.perf_counter() - wall
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await ctx.aclose()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(mail, ignore_errors=True)
    # User and system apart: the system share is mostly the mail drop's file creation,
    # which swings with the machine's other file churn (bench/notifications_cpu.py).
    user, system = end.user - start.user, end.system - start.system
    each = [f"{s / count * 1e6:.0f}" for s in (user + system, user, system, wall)]
    print(
        f"{count} events via RabbitMQ ({burst} a write): {each[0]} us CPU"
        f" (user {each[1]}, system {each[2]}), {each[3]} us wall each"
    )
    if profiler:
        order = "tottime" if "tottime" in sys.argv else "cumulative"
        pstats.Stats(profiler).sort_stats(order).print_stats(45)


def _mailed() -> float:
    # The worker's own counter, cheaper to read than listing the mail drop; collected alone:
    # the whole registry (the process collector reads /proc) every 20 ms added several
    # percent to the CPU measured.
    labels = {"type": "order.created", "result": "sent"}
    for metric in NOTIFICATIONS.collect():
        for sample in metric.samples:
            if sample.name == "notifications_total" and sample.labels == labels:
                return sample.value
    return 0.0


async def _publish_and_wait(count: int, mailed: int, burst: int) -> None:
    child = [sys.executable, "-m", "bench.notifications_cpu_broker", "publish", str(count)]
    child += ["--burst", str(burst)]
    publisher = await asyncio.create_subprocess_exec(*child)
    while _mailed() < mailed:
        await asyncio.sleep(0.02)
        if publisher.returncode not in (None, 0):
            raise RuntimeError("the publisher failed: its events will not all arrive")
    assert await publisher.wait() == 0


def main() -> None:
    args = sys.argv[1:]
    burst = int(args[args.index("--burst") + 1]) if "--burst" in args else 1
    if "--burst" in args:
        del args[args.index("--burst") : args.index("--burst") + 2]
    count = int(next((a for a in args if a.isdigit()), "1000"))
    if args[:1] == ["publish"]:
        asyncio.run(publish(count, burst))
        return
    mail_dir = args[args.index("--mail-dir") + 1] if "--mail-dir" in args else None
    configure_logging(service="notifications", level="WARNING")
    uvloop.run(measure(count, burst=burst, profile="--profile" in args, mail_dir=mail_dir))


if __name__ == "__main__":
    main()
