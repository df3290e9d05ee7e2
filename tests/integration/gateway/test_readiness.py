"""The gateway's /health/ready: ready while every service has one replica answering."""

from __future__ import annotations

import aiohttp

from tests.support.gateway_servers import StartGateway
from tests.support.ports import free_port


async def test_ready_when_one_replica_of_each_service_is_up(
    start_gateway: StartGateway, client: aiohttp.ClientSession, upstream_url: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    base = await start_gateway(user_service_url=f"{dead},{upstream_url}")
    async with client.get(f"{base}/health/ready") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"users", "products", "orders"}
    for check in body["checks"].values():
        assert check["status"] == "up" and isinstance(check["latencyMs"], float | int)


async def test_unready_when_a_service_has_no_replica_up(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    dead = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    base = await start_gateway(order_service_url=",".join(dead))
    async with client.get(f"{base}/health/ready") as resp:
        assert resp.status == 503
        body = await resp.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["orders"]["status"] == "down"
    assert body["checks"]["orders"]["error"]
    assert body["checks"]["users"]["status"] == "up"
    # Liveness does not depend on the services.
    async with client.get(f"{base}/health") as resp:
        assert resp.status == 200
