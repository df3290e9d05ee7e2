"""A real echo upstream and real gateways (uvicorn on free loopback ports) per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import uvicorn

from shop.common.tokens import Principal, issue_access_token
from shop.gateway.app import Gateway
from shop.gateway.settings import GatewaySettings
from tests.integration.gateway.upstream import free_port, start_upstream

JWT_SECRET = "integration-jwt-secret-0123456789abcdef"
GATEWAY_SECRETS = "first-gateway-secret,second-gateway-secret"

StartGateway = Callable[..., Awaitable[str]]


@pytest.fixture
async def upstream_url() -> AsyncIterator[str]:
    """Base URL of a running echo upstream."""
    port = free_port()
    runner = await start_upstream(port)
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture
async def start_gateway(upstream_url: str) -> AsyncIterator[StartGateway]:
    """Starts a gateway (default: every service is the echo upstream); returns its base URL."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> str:
        fields: dict[str, Any] = {
            "jwt_secret": JWT_SECRET,
            "gateway_secret": GATEWAY_SECRETS,
            "user_service_url": upstream_url,
            "product_service_url": upstream_url,
            "order_service_url": upstream_url,
            "redis_url": None,
            "rate_limit_key_prefix": f"test-{uuid.uuid4().hex}",
            "rate_limit_default": "100000/minute",
            "rate_limit_auth": "100000/minute",
        }
        fields.update(overrides)
        port = free_port()
        config = uvicorn.Config(
            Gateway(GatewaySettings(**fields)),
            host="127.0.0.1",
            port=port,
            loop="none",
            http="httptools",
            lifespan="on",
            access_log=False,
            log_config=None,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("gateway did not start")
            await asyncio.sleep(0.01)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task in servers:
        server.should_exit = True
        await task


def bearer(user_id: str = "u-1", role: str = "user", email: str = "a@example.com") -> str:
    token = issue_access_token(Principal(user_id, email, role), secret=JWT_SECRET)
    return f"Bearer {token}"
