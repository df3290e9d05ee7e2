"""What `serve` hands a service's REST app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from shop.common.runner import serve


@pytest.fixture
def thresholds_kept() -> Iterator[None]:
    # serve freezes what exists once it is ready and raises the young generation's threshold.
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("thresholds_kept")
async def test_the_client_address_is_the_peer_not_a_forwarded_header() -> None:
    clients: list[tuple[str, int]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        clients.append(scope["client"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    port = _free_port()
    server = asyncio.create_task(serve(app=app, rest_port=port, host="127.0.0.1"))
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    await http.get(
                        f"http://127.0.0.1:{port}/", headers={"x-forwarded-for": "203.0.113.9"}
                    )
                    break
                await asyncio.sleep(0.05)
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
    assert [host for host, _ in clients] == ["127.0.0.1"]
