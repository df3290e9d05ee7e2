"""/health/ready on a service app: its own database decides; broker and peers are reported."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.engine import make_url

from shop.common.db import create_engine
from shop.common.http_app import create_service_app
from shop.common.readiness import database_probe, service_checks
from tests.support.databases import RABBITMQ_URL
from tests.support.ports import free_port
from tests.support.tcp_proxy import TcpProxy


async def _ready(app: Any) -> tuple[int, dict[str, Any]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        resp = await client.get("/health/ready")  # no gateway secret: the probe needs none
    return resp.status_code, resp.json()


async def test_a_service_is_unready_only_without_its_database(postgres_url: str) -> None:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.restore()
    engine = create_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    dead_broker = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    app = create_service_app(
        service="probe",
        gateway_secrets=["s"],
        routers=[],
        checks=service_checks(database=database_probe(engine), rabbitmq_url=dead_broker),
    )
    try:
        status, body = await _ready(app)
        assert status == 200, body
        assert body["status"] == "ready"
        assert body["checks"]["database"]["status"] == "up"
        # The broker is down, and reported, but the outbox copes: still ready.
        assert body["checks"]["broker"]["status"] == "down"
        assert body["checks"]["broker"]["error"]

        proxy.cut()
        await engine.dispose()  # pooled connections would die with the proxy anyway
        status, body = await _ready(app)
        assert status == 503, body
        assert body["status"] == "unavailable"
        database = body["checks"]["database"]
        assert database["status"] == "down" and database["latencyMs"] >= 0
        assert "postgres" not in database["error"]  # no URL, host or user in the answer
    finally:
        proxy.cut()
        await engine.dispose()


async def test_a_reachable_broker_is_up(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    app = create_service_app(
        service="probe",
        gateway_secrets=["s"],
        routers=[],
        checks=service_checks(database=database_probe(engine), rabbitmq_url=RABBITMQ_URL),
    )
    try:
        status, body = await _ready(app)
    finally:
        await engine.dispose()
    assert status == 200
    assert body["checks"]["broker"]["status"] == "up"
