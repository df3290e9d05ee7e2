"""Rate limits over real sockets, in memory and against the real Redis."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.support.gateway_servers import StartGateway, bearer

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _statuses(client: aiohttp.ClientSession, url: str, n: int, **kw: object) -> list[int]:
    async def one() -> int:
        async with client.get(url, **kw) as resp:  # type: ignore[arg-type]
            await resp.read()
            return resp.status

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def test_burst_is_429_with_retry_after(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(rate_limit_default="5/minute")
    statuses = await _statuses(client, f"{base}/products", 8)
    assert statuses.count(200) == 5 and statuses.count(429) == 3
    async with client.get(f"{base}/products") as resp:
        assert resp.status == 429
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
        assert resp.headers["X-RateLimit-Limit"] == "5"
        body = await resp.json()
    assert body["success"] is False and body["requestId"] == resp.headers["X-Request-ID"]


async def test_authenticated_users_have_their_own_budget(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(rate_limit_default="3/minute")
    alice = {"Authorization": bearer(user_id="alice")}
    bob = {"Authorization": bearer(user_id="bob")}
    assert await _statuses(client, f"{base}/orders", 3, headers=alice) == [200] * 3
    assert await _statuses(client, f"{base}/orders", 1, headers=alice) == [429]
    assert await _statuses(client, f"{base}/orders", 3, headers=bob) == [200] * 3


async def test_login_has_a_stricter_limit(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(rate_limit_auth="2/minute", rate_limit_default="100/minute")
    statuses = []
    for _ in range(3):
        async with client.post(f"{base}/auth/login", json={"email": "a@b.c"}) as resp:
            statuses.append(resp.status)
    assert statuses == [200, 200, 429]
    async with client.get(f"{base}/products") as resp:
        assert resp.status == 200


@pytest.fixture
async def redis_prefix() -> object:
    prefix = f"gw-test-{uuid.uuid4().hex}"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=f"*{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.connection_pool.disconnect()


async def test_redis_limit_is_shared_between_gateways(
    start_gateway: StartGateway, client: aiohttp.ClientSession, redis_prefix: str
) -> None:
    settings = {
        "redis_url": REDIS_URL,
        "rate_limit_default": "4/minute",
        "rate_limit_key_prefix": redis_prefix,
    }
    first = await start_gateway(**settings)
    second = await start_gateway(**settings)
    assert await _statuses(client, f"{first}/products", 2) == [200, 200]
    assert await _statuses(client, f"{second}/products", 2) == [200, 200]
    async with client.get(f"{second}/products") as resp:
        assert resp.status == 429
        assert int(resp.headers["Retry-After"]) >= 1
    redis = aioredis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"*{redis_prefix}*")]
    finally:
        await redis.connection_pool.disconnect()
    assert keys, "the counters live in Redis"


async def test_unreachable_redis_fails_open(
    start_gateway: StartGateway, client: aiohttp.ClientSession
) -> None:
    base = await start_gateway(redis_url="redis://127.0.0.1:1/0", rate_limit_default="1/minute")
    assert await _statuses(client, f"{base}/products", 3) == [200, 200, 200]
