"""How the gateway is served: uvicorn's httptools protocol, writing each response at once.

uvicorn writes a response's status line and headers, then its body, as two writes, and
uvloop sends each at once: two syscalls per response, and the client wakes twice to read
one small answer. Every answer the gateway sends is small and already whole, so the head is
held back and goes out with the body in one write (measured: bench/gateway).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


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
