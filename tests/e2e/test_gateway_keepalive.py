"""Clients that keep connections open between requests, as every pooled client does.

A server that closes an idle connection while the client reuses it makes that request fail
("Server disconnected"), and clients do not retry a POST. With the gateway keeping idle
connections longer than client pools do, no request on a reused connection is lost.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.support.stack import Stack

CLIENTS = 200
REQUESTS_PER_CONNECTION = 3


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: shop\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")  # IncompleteReadError when the server closed
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return status


async def _client(port: int, rng: random.Random) -> list[int | str]:
    """One connection, reused after idle pauses of 4-7 s; the outcome of each request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    outcomes: list[int | str] = []
    try:
        for turn in range(REQUESTS_PER_CONNECTION):
            if turn:
                await asyncio.sleep(rng.uniform(4, 7))
            path = "/products?limit=1" if turn % 2 else "/health"
            try:
                outcomes.append(await _request(reader, writer, path))
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                outcomes.append(type(exc).__name__)
                break
    finally:
        writer.close()
    return outcomes


@pytest.mark.slow
async def test_reused_idle_connections_never_drop_a_request(stack: Stack) -> None:
    port = int(stack.env["GATEWAY_PORT"])
    rng = random.Random(10)
    outcomes = await asyncio.gather(
        *(_client(port, random.Random(rng.random())) for _ in range(CLIENTS))
    )
    dropped = [o for o in outcomes if o != [200] * REQUESTS_PER_CONNECTION]
    assert not dropped, f"{len(dropped)} of {CLIENTS} connections failed: {dropped[:5]}"
