"""Real gateways over several real upstream replicas: spread, skip the dead, retry safely."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

from shop.gateway.replica_probe import ReplicaProbe
from shop.gateway.replicas import ReplicaSet
from tests.support.echo_upstream import start_upstream
from tests.support.gateway_servers import StartGateway, bearer
from tests.support.ports import free_port


async def _served_by(
    client: aiohttp.ClientSession, url: str, method: str = "GET", **kwargs: Any
) -> str:
    async with client.request(method, url, **kwargs) as resp:
        assert resp.status == 200, await resp.text()
        headers = dict((await resp.json())["headers"])
    return str(headers["host"])


async def test_requests_spread_over_every_replica(
    start_gateway: StartGateway, client: aiohttp.ClientSession, upstream_url: str
) -> None:
    port = free_port()
    second = await start_upstream(port)
    try:
        base = await start_gateway(product_service_url=f"{upstream_url},http://127.0.0.1:{port}")
        hosts = Counter(
            await asyncio.gather(*(_served_by(client, f"{base}/products") for _ in range(20)))
        )
    finally:
        await second.cleanup()
    assert len(hosts) == 2 and min(hosts.values()) >= 5, hosts


async def test_a_refusing_replica_is_skipped_for_any_method(
    start_gateway: StartGateway, client: aiohttp.ClientSession, upstream_url: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    base = await start_gateway(order_service_url=f"{dead},{upstream_url}")
    auth = {"Authorization": bearer()}
    for _ in range(6):  # the first refusal ejects it; every request still gets an answer
        host = await _served_by(client, f"{base}/orders", method="POST", headers=auth, json={})
        assert host == upstream_url.removeprefix("http://")


async def test_every_replica_down_is_503(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    dead = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    base = await start_gateway(product_service_url=",".join(dead))
    async with client.get(f"{base}/products") as resp:
        assert resp.status == 503
        assert (await resp.json())["message"] == "Upstream service unavailable"


async def test_the_probe_moves_replicas_out_and_back_by_readiness() -> None:
    ready = {"up": True}

    async def readiness(_: web.Request) -> web.Response:
        return web.json_response({}, status=200 if ready["up"] else 503)

    app = web.Application()
    app.router.add_get("/health/ready", readiness)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    legacy = await start_upstream(legacy_port := free_port())  # no /health/ready: echo 200s
    replicas = ReplicaSet(
        "products",
        [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{legacy_port}", "http://127.0.0.1:1"],
        eject_seconds=60,
    )
    flaky, old, dead = replicas.replicas
    try:
        async with aiohttp.ClientSession() as session:
            probe = ReplicaProbe(session, [replicas], interval=60)
            await probe.check_once()
            assert replicas.available() == [flaky, old]
            ready["up"] = False
            await probe.check_once()
            assert replicas.available() == [old]
            ready["up"] = True
            await probe.check_once()
            assert replicas.available() == [flaky, old] and dead not in replicas.available()
    finally:
        await runner.cleanup()
        await legacy.cleanup()
