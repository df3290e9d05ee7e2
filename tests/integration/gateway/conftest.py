"""A real echo upstream and real gateways (uvicorn on free loopback ports) per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import uvicorn

from shop.gateway.app import Gateway
from shop.gateway.settings import GatewaySettings
from tests.support.echo_upstream import start_upstream
from tests.support.gateway_servers import (
    GATEWAY_SECRETS,
    JWT_SECRET,
    StartGateway,
    serve_gateway,
)
from tests.support.ports import free_port


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
        servers.append(await serve_gateway(Gateway(GatewaySettings(**fields)), port))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task in servers:
        server.should_exit = True
        await task
