"""user.registered reaches the real RabbitMQ through the outbox, also after a broker outage."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import orjson
import pytest
from sqlalchemy import select

from shop.common.events import EXCHANGE
from shop.users.api import create_app
from shop.users.bootstrap import build
from shop.users.context import Context
from shop.users.store.models import outbox
from tests.integration.users.support import PASSWORD, SECRET, make_settings, unique_email
from tests.support.databases import RABBITMQ_URL
from tests.support.events import Queue, bound_queue, first_matching

DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1/"


@pytest.fixture
async def queue() -> AsyncIterator[Queue]:
    """A throwaway queue bound to shop.events for user.registered."""
    async with bound_queue("user.registered") as q:
        yield q


def _about(event: object, email: str) -> bool:
    # Other suites publish malformed events on the shared exchange on purpose (a list body,
    # `data` not an object): those are someone else's, not a failure here.
    data = event.get("data") if isinstance(event, dict) else None
    return isinstance(data, dict) and data.get("email") == email


async def received(queue: Queue, email: str) -> dict[str, Any]:
    """The event about `email` (other tests' leftover events may arrive too)."""
    found = await first_matching(queue, lambda e: _about(e, email), within=15)
    assert found is not None, f"no user.registered event for {email}"
    body, message = found
    assert message.routing_key == "user.registered"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    return body


async def register_through(
    app_ctx: Context, email: str, request_id: str, *, until_sent: str | None = None
) -> None:
    """Registers through the REST app; with `until_sent`, the app (and its relay) lives until
    that email's event is published, else half a second (a loaded machine needs longer)."""
    app = create_app(app_ctx)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://users",
            headers={"x-gateway-secret": SECRET, "x-request-id": request_id},
        ) as client,
    ):
        resp = await client.post(
            "/auth/register", json={"email": email, "password": PASSWORD, "name": "Evt"}
        )
        assert resp.status_code == 201, resp.text
        if until_sent is None:
            await asyncio.sleep(0.5)  # the relay (if it can) publishes while the app lives
            return
        for _ in range(200):
            if await published_at(app_ctx, until_sent) not in ([], [None]):
                return
            await asyncio.sleep(0.1)


async def published_at(ctx: Context, email: str) -> list[object]:
    async with ctx.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.payload, outbox.c.published_at).where(
                    outbox.c.event_type == "user.registered"
                )
            )
        ).all()
    return [r.published_at for r in rows if orjson.loads(r.payload)["data"]["email"] == email]


def with_broker(ctx: Context, url: str) -> Context:
    return build(make_settings(rabbitmq_url=url), engine=ctx.engine, passwords=ctx.passwords)


async def test_registered_event_arrives_as_a_cloudevent(
    ctx: Context, queue: aio_pika.abc.AbstractQueue
) -> None:
    email, request_id = unique_email("evt"), f"req-{uuid.uuid4().hex[:8]}"
    await register_through(with_broker(ctx, RABBITMQ_URL), email, request_id, until_sent=email)
    event = await received(queue, email)
    assert {"specversion", "id", "source", "type", "time", "datacontenttype", "data"} <= set(event)
    assert event["specversion"] == "1.0" and event["type"] == "user.registered"
    assert event["source"] == "shop/users" and event["datacontenttype"] == "application/json"
    assert event["requestid"] == request_id
    assert set(event["data"]) == {"userId", "email", "name", "role"}
    assert event["data"]["email"] == email and event["data"]["role"] == "user"
    assert PASSWORD not in orjson.dumps(event).decode()
    assert EXCHANGE == "shop.events"
    [sent] = await published_at(ctx, email)
    assert sent is not None


async def test_registration_survives_a_dead_broker_and_the_event_follows_later(
    ctx: Context, queue: aio_pika.abc.AbstractQueue
) -> None:
    email = unique_email("outage")
    await register_through(with_broker(ctx, DEAD_BROKER), email, "req-outage")
    assert await published_at(ctx, email) == [None]  # kept, not lost, not sent

    await register_through(
        with_broker(ctx, RABBITMQ_URL), unique_email("after"), "req-back", until_sent=email
    )
    event = await received(queue, email)
    assert event["requestid"] == "req-outage"
    [sent] = await published_at(ctx, email)
    assert sent is not None
