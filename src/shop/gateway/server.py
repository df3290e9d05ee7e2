"""How the gateway is served: uvicorn's httptools protocol, writing each response at once.

uvicorn writes a response's status line and headers, then its body, as two writes, and
uvloop sends each at once: two syscalls per response, and the client wakes twice to read
one small answer. Every answer the gateway sends is small and already whole, so the head is
held back and goes out with the body in one write (measured: bench/gateway). The gateway's
own answers skip even that: `write_at_once` writes them whole, bypassing uvicorn's two
per-message sends (the held head remains for what still goes through them).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# The bytes uvicorn accepts in header names and values, as `bytes.translate` deletion
# tables: what is left after deleting them is what uvicorn's regexes would refuse.
_NAME_BYTES = bytes(b for b in range(256) if not HEADER_RE.search(bytes([b])))
_VALUE_BYTES = bytes(b for b in range(256) if not HEADER_VALUE_RE.search(bytes([b])))
_BODILESS = (204, 304)


class _OneWritePerResponse:
    """The connection's transport, holding a response head back until its body follows.

    Anything held is written before any later write, before close, and when the response
    completes (a HEAD answer has no body write), so bytes never reorder or stay behind.
    """

    __slots__ = ("_held", "_transport", "expect_head")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self.expect_head = False

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif self.expect_head and data != _CONTINUE:
            self.expect_head = False
            self._held = data
        else:
            self._transport.write(data)

    def write_response(self, data: bytes) -> None:
        """A whole response, head and body: written now, never held."""
        self.expect_head = False
        self.write(data)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        # Asked after every response: a method of its own skips the failed lookup that
        # sends other names to __getattr__.
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # Everything else (is_closing, pause_reading, get_extra_info...) is the transport's.
        return getattr(self._transport, name)


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with one write per (small, whole) response."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.transport = _OneWritePerResponse(self.transport)  # type: ignore[assignment]

    def on_headers_complete(self) -> None:
        self._writer().expect_head = True
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._writer().flush()
        super().on_response_complete()

    def _writer(self) -> _OneWritePerResponse:
        return self.transport  # type: ignore[return-value]


def write_at_once(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """Sends a whole response as uvicorn would for `http.response.start` then one
    `http.response.body`, in one step and one write; False (nothing sent) when `send` is not
    this server's or the response is not the plain case: the caller then sends the two
    messages, and uvicorn handles (or refuses) it as ever.

    The plain case: lower-case header names, a Content-Length matching the body (or a
    bodiless answer), no Transfer-Encoding or Connection header. uvicorn's two sends check
    every header with two regular expressions and build the head header by header; the
    gateway's answers are all this plain case, on every request.
    """
    cycle = getattr(send, "__self__", None)
    if type(cycle) is not RequestResponseCycle:
        return False
    writer: object = cycle.transport  # ours, unless someone swapped it
    if (
        type(writer) is not _OneWritePerResponse
        or cycle.response_started
        or cycle.disconnected
        or cycle.flow.write_paused
        or cycle.access_log
    ):
        return False
    all_headers = cycle.default_headers + headers
    names = [name for name, _ in all_headers]
    joined = b"".join(names)
    if joined != joined.lower() or joined.translate(None, _NAME_BYTES):
        return False
    if b"transfer-encoding" in names or b"connection" in names:
        return False
    if b"".join([value for _, value in all_headers]).translate(None, _VALUE_BYTES):
        return False
    head_only = cycle.scope["method"] == "HEAD"
    if head_only:
        body = b""
    elif b"content-length" in names:
        if all_headers[names.index(b"content-length")][1] != b"%d" % len(body):
            return False
    elif body or status not in _BODILESS:
        return False  # uvicorn would send it chunked
    cycle.response_started = True
    cycle.waiting_for_100_continue = False
    lines = [b"%s: %s\r\n" % pair for pair in all_headers]
    if not cycle.keep_alive:
        lines.append(b"connection: close\r\n")
    writer.write_response(b"".join([STATUS_LINE[status], *lines, b"\r\n", body]))
    cycle.expected_content_length = 0
    cycle.response_complete = True
    cycle.message_event.set()
    if not cycle.keep_alive:
        writer.close()
    cycle.on_response()
    return True
