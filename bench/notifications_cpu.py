"""CPU per order.created event in the notification worker's handler, in one process.

`uv run python -m bench.notifications_cpu [N] [--profile [tottime]]`: the real EventHandler with its
real SQLite store and .eml drop in a temp dir (what `make bench` runs, minus the broker),
fed N distinct events one after another. The CPU is the process's (the store's thread too),
split into user and system time. On this VM's ext4 a new file's inode costs about 20 us of
kernel time, but 0.4-0.9 ms in a block group where thousands of files were deleted in the
last minutes (perf: ext4 checks each recently freed inode before it takes a free one), as
under /tmp, or right after a bench run removed its mail drop: then the system share is
mostly the mail drop's open(). `--mail-dir DIR` puts the .eml drop elsewhere (a tmpfs such
as /dev/shm keeps it steady; the worker's own work stays the same).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import orjson

from shop.common.db import create_engine
from shop.common.events import cloud_event
from shop.common.logging import configure_logging
from shop.notifications.handling import EventHandler
from shop.notifications.mail.transports import MailDropTransport
from shop.notifications.store import DeliveryStore, migrate

WARMUP = 200


def order_created(n: int) -> bytes:
    data = {
        "orderId": uuid.uuid4().hex,
        "userId": "u1",
        "email": f"shopper{n}@example.com",
        "status": "CONFIRMED",
        "total": 2599,
        "items": [
            {"productId": "p1", "name": "Bench widget", "quantity": 1, "unitPrice": 2599},
        ],
        "shippingAddress": {
            "line1": "1 Main Street",
            "city": "Springfield",
            "postalCode": "12345",
            "country": "US",
        },
    }
    event = cloud_event(
        event_type="order.created", source="shop/orders", data=data, request_id=uuid.uuid4().hex
    )
    return orjson.dumps(event)


async def run(count: int, profile: bool, mail_dir: str | None) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="notif-bench-") as root,
        tempfile.TemporaryDirectory(prefix="notif-bench-mail-", dir=mail_dir) as mail,
    ):
        url = f"sqlite:///{root}/notifications.db"
        await migrate(url)
        engine = create_engine(url)
        handler = EventHandler(
            deliveries=DeliveryStore(engine),
            transport=MailDropTransport(Path(mail)),
            sender="shop <no-reply@shop.local>",
            alert_recipient=None,
            claim_lease=timedelta(seconds=30),
        )
        bodies = [order_created(n) for n in range(WARMUP + count)]
        for body in bodies[:WARMUP]:
            await handler.handle(body)
        # On the CPU clock: on a shared machine, wall time charges other processes' turns
        # to whatever frame was running (the clock's own cost inflates every call alike).
        profiler = cProfile.Profile(time.process_time) if profile else None
        start, wall = os.times(), time.perf_counter()
        if profiler:
            profiler.enable()
        for body in bodies[WARMUP:]:
            await handler.handle(body)
        if profiler:
            profiler.disable()
        end, wall = os.times(), time.perf_counter() - wall
        await handler.deliveries.close()
        await engine.dispose()
    user, system = end.user - start.user, end.system - start.system
    each = [f"{s / count * 1e6:.0f}" for s in (user + system, user, system, wall)]
    print(
        f"{count} events: {each[0]} us CPU (user {each[1]}, system {each[2]}),"
        f" {each[3]} us wall each"
    )
    if profiler:
        order = "tottime" if "tottime" in sys.argv else "cumulative"
        pstats.Stats(profiler).sort_stats(order).print_stats(45)


def main() -> None:
    args = sys.argv[1:]
    count = int(next((a for a in args if a.isdigit()), "2000"))
    mail_dir = args[args.index("--mail-dir") + 1] if "--mail-dir" in args else None
    configure_logging(service="notifications", level="WARNING")
    asyncio.run(run(count, "--profile" in args, mail_dir))


if __name__ == "__main__":
    main()
