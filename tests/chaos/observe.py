"""What the harness reads behind the platform's back: its databases (directly, never through
the proxies it cuts), the worker's record of mails, and a tap on the event exchange."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import asyncmy
import asyncpg  # type: ignore[import-untyped]  # no stubs published
import orjson

from shop.common.outbox_relay import declare_exchange
from tests.support.databases import RABBITMQ_URL


async def pg_rows(url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def mysql_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    parts = url.split("://", 1)[1]
    auth, _, rest = parts.partition("@")
    hostport, _, database = rest.partition("/")
    host, _, port = hostport.partition(":")
    user, _, password = auth.partition(":")
    conn = await asyncmy.connect(
        host=host, port=int(port or 3306), user=user, password=password, database=database
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(sql)
            return list(await cur.fetchall())
    finally:
        conn.close()


async def stock_rows(products_url: str) -> list[dict[str, Any]]:
    return await pg_rows(products_url, "SELECT id, stock, reserved, sold, stocked FROM products")


async def outbox_rows(service: str, url: str) -> list[dict[str, Any]]:
    sql = "SELECT event_id, event_type, published_at IS NOT NULL AS published FROM outbox"
    if service == "users":
        rows = await mysql_rows(url, sql)
        return [{"event_id": r[0], "event_type": r[1], "published": bool(r[2])} for r in rows]
    return await pg_rows(url, sql)


def mails_per_event(data_dir: Path) -> Counter[str]:
    """How many mails went out for each event id.

    Until the worker writes mails as files (DATA_DIR/mail/<event id>.eml, or to SMTP), its
    table of handled events is the record: one row per event it delivered.
    """
    mail_dir = data_dir / "mail"
    if mail_dir.is_dir():
        return Counter(path.stem for path in mail_dir.glob("*.eml"))
    database = data_dir / "notifications.db"
    if not database.exists():
        return Counter()
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT event_id FROM delivered_notifications").fetchall()
    return Counter(str(r[0]) for r in rows)


@dataclass
class StockSampler:
    """Reads every product's counters once a second: none may ever be negative, and on hand
    + reserved + sold must equal stocked in every sample."""

    products_url: str
    samples: int = 0
    violations: list[str] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            try:
                rows = await stock_rows(self.products_url)
            except (OSError, asyncpg.PostgresError):
                rows = []
            self.samples += 1
            for row in rows:
                parts = (row["stock"], row["reserved"], row["sold"])
                if min(parts) < 0 or sum(parts) != row["stocked"]:
                    self.violations.append(f"{row['id']}: {row}")
            await asyncio.sleep(1)


_SUBJECT_KEYS = ("userId", "productId", "orderId")


class EventTap:
    """A queue of its own on `shop.events`, bound to every key, on the real broker."""

    def __init__(self) -> None:
        self.name = f"chaos-tap-{uuid.uuid4().hex[:8]}"
        self.seen: Counter[str] = Counter()
        self.types: dict[str, str] = {}
        # The ids an event is about: other platforms share the broker, so an event counts as
        # ours (and, if no outbox holds it, as a phantom) only when it names one of ours.
        self.subjects: dict[str, set[str]] = {}
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._queue: aio_pika.abc.AbstractQueue | None = None
        self._consumer_tag = ""

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(RABBITMQ_URL)
        channel = await self._connection.channel()
        exchange = await declare_exchange(channel)
        # Gone by itself ten minutes after a run that could not delete it (killed harness).
        queue = await channel.declare_queue(
            self.name, auto_delete=False, arguments={"x-expires": 600_000}
        )
        await queue.bind(exchange, routing_key="#")
        self._queue = queue
        self._consumer_tag = await queue.consume(self._on_message)

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            try:
                event = orjson.loads(message.body)
                event_id, event_type = str(event["id"]), str(event["type"])
                data = event.get("data") or {}
                subjects = {str(data[k]) for k in _SUBJECT_KEYS if k in data}
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                return  # not an event any of our services would write
            self.seen[event_id] += 1
            self.types[event_id] = event_type
            self.subjects[event_id] = subjects

    def about(self, ours: set[str]) -> set[str]:
        """Ids of the events seen that name one of `ours` (users, products, orders)."""
        return {event for event, subjects in self.subjects.items() if subjects & ours}

    async def close(self, *also_delete: str) -> None:
        if self._connection is None:
            return
        if self._queue is not None:  # stop consuming first: deleting under a consumer is noisy
            await self._queue.cancel(self._consumer_tag)
        channel = await self._connection.channel()
        for name in (self.name, *also_delete):
            try:
                await channel.queue_delete(name)
            except aio_pika.exceptions.AMQPError:
                channel = await self._connection.channel()
        await self._connection.close()
