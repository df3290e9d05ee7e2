"""The gateway against a real upstream over real sockets: headers, ids, failures."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from shop.gateway import metrics
from tests.support.echo_upstream import start_garbage_server
from tests.support.gateway_servers import StartGateway, bearer
from tests.support.ports import free_port


def _headers(echo: dict[str, Any]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for name, value in echo["headers"]:
        seen.setdefault(name, []).append(value)
    return seen


async def test_forged_identity_is_replaced_and_secret_added(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    forged = {
        "Authorization": bearer(user_id="u-42", role="user", email="me@example.com"),
        "X-User-Role": "admin",
        "X-User-Id": "someone-else",
        "X-User-Anything": "x",
        "X-Gateway-Secret": "guessed",
        "Connection": "keep-alive, X-Hop",
        "X-Hop": "should-not-pass",
        "X-Custom": "kept",
    }
    async with client.get(f"{base}/orders/7?status=PENDING&page=2", headers=forged) as resp:
        assert resp.status == 200
        echo = await resp.json()
    seen = _headers(echo)
    assert echo["path"] == "/orders/7" and echo["query"] == "status=PENDING&page=2"
    assert seen["x-user-id"] == ["u-42"]
    assert seen["x-user-role"] == ["user"]
    assert seen["x-user-email"] == ["me@example.com"]
    assert "x-user-anything" not in seen
    assert seen["x-gateway-secret"] == ["first-gateway-secret"]
    assert "x-hop" not in seen
    assert seen["x-custom"] == ["kept"]


async def test_anonymous_public_route_gets_no_identity(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    headers = {"X-User-Role": "admin", "X-User-Id": "forged"}
    async with client.get(f"{base}/products?searchTerm=a%20b", headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["X-Upstream"] == "echo"
        echo = await resp.json()
    seen = _headers(echo)
    assert not any(name.startswith("x-user-") for name in seen)
    assert seen["x-gateway-secret"] == ["first-gateway-secret"]
    assert echo["raw_path"] == "/products?searchTerm=a%20b"  # forwarded unchanged


async def test_body_and_method_are_forwarded(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    payload = b'{"email":"a@example.com","password":"pw"}'
    headers = {"Content-Type": "application/json"}
    async with client.post(f"{base}/auth/login", data=payload, headers=headers) as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert echo["method"] == "POST"
    assert echo["body"] == payload.decode()
    assert _headers(echo)["content-type"] == ["application/json"]


async def test_request_id_is_propagated_both_ways(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    async with client.get(f"{base}/products/1", headers={"X-Request-ID": "trace-123"}) as resp:
        assert resp.headers["X-Request-ID"] == "trace-123"
        echo = await resp.json()
    assert _headers(echo)["x-request-id"] == ["trace-123"]
    async with client.get(f"{base}/products/1") as resp:
        generated = resp.headers["X-Request-ID"]
        echo = await resp.json()
    assert generated and _headers(echo)["x-request-id"] == [generated]


async def test_missing_token_is_401_envelope_with_request_id(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    async with client.get(f"{base}/orders", headers={"X-Request-ID": "rid-401"}) as resp:
        assert resp.status == 401
        assert resp.headers["X-Request-ID"] == "rid-401"
        body = await resp.json()
    assert body == {
        "success": False,
        "message": "Authentication required",
        "errors": [],
        "requestId": "rid-401",
    }


async def test_upstream_down_is_503(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    base = await start_gateway(product_service_url=dead)
    async with client.get(f"{base}/products") as resp:
        assert resp.status == 503
        body = await resp.json()
    assert body["success"] is False and body["requestId"] == resp.headers["X-Request-ID"]
    assert "Traceback" not in body["message"]


async def test_upstream_slow_is_504_within_timeout(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(upstream_timeout_seconds=0.5)
    started = time.monotonic()
    async with client.get(f"{base}/products/slow?seconds=2") as resp:
        assert resp.status == 504
        body = await resp.json()
    assert time.monotonic() - started < 2.0
    assert body["success"] is False and body["message"] == "Upstream service timed out"


async def test_invalid_upstream_response_is_502(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    port = free_port()
    server = await start_garbage_server(port)
    try:
        base = await start_gateway(order_service_url=f"http://127.0.0.1:{port}")
        async with client.get(f"{base}/orders", headers={"Authorization": bearer()}) as resp:
            assert resp.status == 502
            assert (await resp.json())["success"] is False
    finally:
        server.close()
        await server.wait_closed()


async def test_health_metrics_and_unknown_route(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway()
    async with client.get(f"{base}/health") as resp:
        assert resp.status == 200
        health = await resp.json()
    assert health["status"] == "healthy" and "T" in health["timestamp"]
    async with client.get(f"{base}/products/9") as resp:
        assert resp.status == 200
    async with client.get(f"{base}/nowhere") as resp:
        assert resp.status == 404
        assert (await resp.json())["message"] == "Route not found"
    async with client.get(f"{base}/metrics") as resp:
        assert resp.status == 404
    text = metrics.render()[0].decode()
    assert 'route="/products"' in text
    assert 'route="/products/9"' not in text


async def test_cors_preflight_and_exposed_headers(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(cors_origins="https://shop.example")
    preflight = {
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with client.options(f"{base}/orders", headers=preflight) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    async with client.get(f"{base}/products", headers={"Origin": "https://shop.example"}) as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "X-Request-ID" in resp.headers["Access-Control-Expose-Headers"]
    async with client.options(
        f"{base}/orders", headers={**preflight, "Origin": "https://evil.example"}
    ) as resp:
        assert resp.status == 403
        assert "Access-Control-Allow-Origin" not in resp.headers
