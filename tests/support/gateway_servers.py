"""Real gateways served by uvicorn inside the test's event loop, and the tokens they accept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import uvicorn

from shop.common.tokens import Principal, issue_access_token
from shop.gateway.app import Gateway
from shop.gateway.server import GatewayHttpProtocol

JWT_SECRET = "integration-jwt-secret-0123456789abcdef"
GATEWAY_SECRETS = "first-gateway-secret,second-gateway-secret"

# start_gateway(**settings overrides) -> the gateway's base URL
StartGateway = Callable[..., Awaitable[str]]


async def serve_gateway(gateway: Gateway, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """`gateway` listening on `port` once this returns; set `should_exit` and await the task
    to stop it."""
    config = uvicorn.Config(
        gateway,
        host="127.0.0.1",
        port=port,
        loop="none",
        http=GatewayHttpProtocol,  # what the gateway runs in production
        lifespan="on",
        access_log=False,
        log_config=None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("gateway did not start")
        await asyncio.sleep(0.01)
    return server, task


def bearer(user_id: str = "u-1", role: str = "user", email: str = "a@example.com") -> str:
    """An Authorization value with an access token signed with JWT_SECRET."""
    token = issue_access_token(Principal(user_id, email, role), secret=JWT_SECRET)
    return f"Bearer {token}"
