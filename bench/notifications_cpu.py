"""CPU per order.created event in the notification worker's handler, in one process.

`uv run python -m bench.notifications_cpu [N] [--profile [tottime]]`: the real EventHandler with its
real SQLite store and .eml drop in a temp dir (what `make bench` runs, minus the broker),
fed N distinct events one after another. process_time counts aiosqlite's thread too.
"""

from __future__ import annotations

import asyncio
import cProfile
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


async def run(count: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="notif-bench-") as root:
        url = f"sqlite:///{root}/notifications.db"
        await migrate(url)
        engine = create_engine(url)
        handler = EventHandler(
            deliveries=DeliveryStore(engine),
            transport=MailDropTransport(Path(root) / "mail"),
            sender="shop <no-reply@shop.local>",
            alert_recipient=None,
            claim_lease=timedelta(seconds=30),
        )
        bodies = [order_created(n) for n in range(WARMUP + count)]
        for body in bodies[:WARMUP]:
            await handler.handle(body)
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for body in bodies[WARMUP:]:
            await handler.handle(body)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        await engine.dispose()
    print(f"{count} events: {cpu / count * 1e6:.0f} us CPU, {wall / count * 1e6:.0f} us wall each")
    if profiler:
        order = "tottime" if "tottime" in sys.argv else "cumulative"
        pstats.Stats(profiler).sort_stats(order).print_stats(45)


def main() -> None:
    args = sys.argv[1:]
    count = int(next((a for a in args if a.isdigit()), "2000"))
    configure_logging(service="notifications", level="WARNING")
    asyncio.run(run(count, "--profile" in args))


if __name__ == "__main__":
    main()
