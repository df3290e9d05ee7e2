"""user.registered reaches RabbitMQ, also when the broker was away at registration time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.databases import RABBITMQ_URL
from tests.support.events import Queue, bound_queue, first_matching
from tests.support.stack import Stack
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
async def registered_events() -> AsyncIterator[Queue]:
    async with bound_queue("user.registered") as queue:
        yield queue


async def _event_for(queue: Queue, email: str, timeout: float) -> dict[str, Any] | None:
    found = await first_matching(queue, lambda e: e["data"].get("email") == email, within=timeout)
    return found[0] if found else None


def _register(stack: Stack, request_id: str) -> str:
    email = f"evt-{uuid.uuid4().hex[:10]}@example.com"
    resp = stack.client.post(
        "/auth/register",
        headers={"X-Request-ID": request_id},
        json={"email": email, "password": "pa55word!x", "name": "Ev"},
    )
    assert resp.status_code == 201, resp.text
    return email


async def test_user_registered_reaches_the_exchange(stack: Stack, registered_events: Queue) -> None:
    email = _register(stack, "reg-trace-1")
    event = await _event_for(registered_events, email, timeout=15)
    assert event is not None
    assert event["type"] == "user.registered" and event["specversion"] == "1.0"
    assert event["requestid"] == "reg-trace-1"
    assert {"id", "source", "time", "datacontenttype"} <= event.keys()
    assert "password" not in str(event).lower()


async def test_registration_survives_a_broker_outage(
    stack: Stack, registered_events: Queue
) -> None:
    broker = urlsplit(RABBITMQ_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    proxied = RABBITMQ_URL.replace(f"{broker.hostname}:{broker.port}", f"127.0.0.1:{proxy.port}")
    stack.restart("users", {"RABBITMQ_URL": proxied})
    try:
        email = _register(stack, "reg-outage-1")
        assert await _event_for(registered_events, email, timeout=2) is None
        proxy.restore()
        event = await _event_for(registered_events, email, timeout=30)
        assert event is not None and event["requestid"] == "reg-outage-1"
    finally:
        proxy.cut()
        stack.restart("users")
