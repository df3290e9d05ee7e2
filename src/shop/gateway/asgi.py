"""Small ASGI helpers: whole request bodies, whole responses, envelopes."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Receive, Send

from shop.common.envelope import error
from shop.gateway.server import write_at_once

Headers = list[tuple[bytes, bytes]]
JSON = b"application/json"


class BodyTooLarge(Exception):
    """The request body exceeds MAX_BODY_BYTES."""


def error_body(message: str, *, request_id: str) -> bytes:
    """The contract's error envelope, serialised."""
    return orjson.dumps(error(message, request_id=request_id))


def json_body(payload: Any) -> bytes:
    return orjson.dumps(payload)


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body (bodies are small JSON), None when there is none."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks) if size else None


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    headers: Headers,
    *,
    content_type: bytes | None = JSON,
    head: bool = False,
) -> None:
    """Sends one complete response; for HEAD the length is kept and the body is not."""
    all_headers = [*headers, (b"content-length", str(len(body)).encode())]
    if content_type is not None:
        all_headers.append((b"content-type", content_type))
    await send_whole(send, status, all_headers, b"" if head else body)


async def send_whole(send: Send, status: int, headers: Headers, body: bytes) -> None:
    """One whole response: written at once by the gateway's server, else as the two ASGI
    messages (under another server, or behind middleware that wraps `send`)."""
    if not write_at_once(send, status, headers, body):
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
