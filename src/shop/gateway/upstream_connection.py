"""One keep-alive connection to a service: write a request, parse its answer with httptools."""

from __future__ import annotations

import asyncio

import httptools

# Answers that never have a body, whatever their headers say.
_BODILESS = frozenset({204, 304})


class ConnectionBroken(Exception):
    """The connection closed before the whole answer came: the request may have been sent."""


class BadAnswer(Exception):
    """The service's bytes are not a valid HTTP/1.1 answer."""


class Answer:
    """A whole answer: status, raw headers as sent, body, and whether to keep the connection."""

    __slots__ = ("body", "content_length", "headers", "keep_alive", "status")

    def __init__(
        self,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        keep_alive: bool,
        content_length: bytes | None,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.keep_alive = keep_alive
        self.content_length = content_length  # the service's own, kept for HEAD answers


class UpstreamConnection(asyncio.Protocol):
    """One request at a time; a fresh parser per answer, since an answer to HEAD has
    headers that announce a body which never comes."""

    def __init__(self, registry: set[UpstreamConnection]) -> None:
        self._registry = registry
        self._transport: asyncio.Transport | None = None
        self.closed = False
        self._parser: httptools.HttpResponseParser | None = None
        self._waiter: asyncio.Future[Answer] | None = None
        self._head_only = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: list[bytes] = []
        self._length: bytes | None = None
        self._chunked = False
        self._headers_done = False
        self.deadline: float | None = None  # loop time the awaited answer is due by

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._registry.discard(self)
        if self._waiter is None:
            return
        if self._parser is not None and self._until_eof():
            # No length and not chunked: the body is everything up to the close.
            self._finish(keep_alive=False)
        else:
            self._fail(ConnectionBroken("the connection closed before the whole answer"))

    def exchange(
        self, request: bytes, *, head_only: bool, deadline: float
    ) -> asyncio.Future[Answer]:
        """Sends one whole request; the future resolves to its answer, or fails with
        TimeoutError when `expire` is called (the pool's timer does, past `deadline`)."""
        assert self._transport is not None and self._waiter is None
        self.deadline = deadline
        self._parser = httptools.HttpResponseParser(self)
        self._head_only = head_only
        self._headers = []
        self._chunks = []
        self._length = None
        self._chunked = False
        self._headers_done = False
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return waiter

    def expire(self) -> None:
        """The answer is late: fail its waiter and drop the connection (half-used)."""
        self._fail(TimeoutError("no answer from upstream in time"))
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._transport is not None:
                self._transport.close()

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:
            self.close()  # bytes nobody asked for: this connection can't be trusted
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadAnswer(str(exc)))
            self.close()

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        lower = name.lower()
        if lower == b"content-length":
            self._length = value
        elif lower == b"transfer-encoding":
            self._chunked = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        if self._head_only and self._status() >= 200:
            self._finish(keep_alive=self._parser_keep_alive())

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._parser is None:
            return  # a HEAD answer, already finished at its headers
        if self._status() < 200:
            # An interim answer (100 Continue): the real one follows on the same parser.
            self._headers, self._chunks, self._length, self._chunked = [], [], None, False
            self._headers_done = False
            return
        self._finish(keep_alive=self._parser_keep_alive())

    # the answer

    def _status(self) -> int:
        assert self._parser is not None
        return self._parser.get_status_code()

    def _parser_keep_alive(self) -> bool:
        assert self._parser is not None
        return self._parser.should_keep_alive()

    def _until_eof(self) -> bool:
        return (
            self._headers_done
            and not self._head_only
            and self._length is None
            and not self._chunked
            and self._status() not in _BODILESS
        )

    def _finish(self, *, keep_alive: bool) -> None:
        status = self._status()
        body = b"".join(self._chunks)
        answer = Answer(status, self._headers, body, keep_alive, self._length)
        self._parser = None
        self.deadline = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, exc: Exception) -> None:
        self._parser = None
        self.deadline = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
