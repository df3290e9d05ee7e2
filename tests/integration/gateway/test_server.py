"""The gateway's uvicorn protocol over a real socket: whole responses written at once,
byte for byte what uvicorn's two ASGI sends would write, and the cases left to uvicorn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from shop.gateway import asgi
from shop.gateway.asgi import send_whole
from shop.gateway.server import GatewayHttpProtocol, write_at_once
from tests.support.ports import free_port


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/plain":
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
        await send_whole(send, 200, headers, b"" if scope["method"] == "HEAD" else b"ok")
    elif scope["path"] == "/no-length":  # uvicorn chunks it
        await send_whole(send, 200, [(b"content-type", b"text/plain")], b"abc")
    elif scope["path"] == "/upper-case":  # uvicorn lower-cases the name
        await send_whole(send, 200, [(b"X-Thing", b"1"), (b"content-length", b"0")], b"")
    else:
        await send_whole(send, 204, [], b"")


@pytest.fixture
def at_once(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each response took the one-step way."""
    taken: list[bool] = []

    def spy(*args: Any) -> bool:
        taken.append(write_at_once(*args))
        return taken[-1]

    monkeypatch.setattr(asgi, "write_at_once", spy)
    return taken


def _no_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest's log capture hangs handlers on uvicorn's access logger as each test starts,
    which turns uvicorn's access log on; the gateway runs with it off."""
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "handlers", [])


@pytest.fixture
async def port() -> AsyncIterator[int]:
    chosen = free_port()
    config = uvicorn.Config(
        _app,
        host="127.0.0.1",
        port=chosen,
        http=GatewayHttpProtocol,
        lifespan="off",
        log_config=None,
        access_log=False,
        date_header=False,
        server_header=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield chosen
    server.should_exit = True
    await serving


async def _exchange(port: int, request: bytes) -> bytes:
    """Everything the server writes until it closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    data = await asyncio.wait_for(reader.read(-1), 5)
    writer.close()
    return data


async def test_whole_responses_keep_alive_head_and_close(
    port: int, at_once: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_access_log(monkeypatch)
    plain = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
    twice = await _exchange(
        port,
        b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n"
        b"HEAD /plain HTTP/1.1\r\nhost: x\r\n\r\n"
        b"GET /plain HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n"
    closing = plain.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n")
    assert twice == plain + head + closing
    empty = await _exchange(port, b"GET /empty HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    assert empty == b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"
    assert at_once == [True] * 4


async def test_what_is_not_the_plain_case_goes_through_uvicorn(
    port: int, at_once: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_access_log(monkeypatch)
    chunked = await _exchange(
        port, b"GET /no-length HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    assert b"transfer-encoding: chunked\r\n" in chunked
    assert chunked.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    upper = await _exchange(
        port, b"GET /upper-case HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    assert b"\r\nx-thing: 1\r\n" in upper
    assert at_once == [False, False]
