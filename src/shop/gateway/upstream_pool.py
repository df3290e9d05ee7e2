"""Keep-alive HTTP/1.1 connections to the services, for forwarding requests.

A general client (aiohttp) spends about 50 us of CPU on each request: a request object, a
response object, a stream reader, timers, cookie and redirect handling. Forwarding needs
none of that: write one request, parse one answer with httptools, put the connection back.
The readiness checks and the API documentation, which are rare, keep using aiohttp.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from urllib.parse import urlsplit

from shop.gateway.upstream_connection import Answer, UpstreamConnection
from shop.gateway.upstream_slots import Deadlines, Slots


class Refused(Exception):
    """Nothing listens there (or the name does not resolve): the request was never sent."""


class ConnectTimeout(Exception):
    """The connection could not be opened in time: the request was never sent."""


class _Origin:
    """One service replica's address, and its idle connections (most recent last)."""

    __slots__ = ("host", "host_header", "idle", "port", "prefix")

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not a plain http:// service URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.host_header = parts.netloc.encode("latin-1")
        self.idle: deque[tuple[UpstreamConnection, float]] = deque()


class UpstreamPool:
    """Pooled connections per replica URL; at most `size` requests in flight in all."""

    def __init__(
        self, *, size: int, keepalive_seconds: float, connect_timeout: float, timeout: float
    ) -> None:
        self._slots = Slots(size)
        self._keepalive = keepalive_seconds
        self._connect_timeout = connect_timeout
        self.timeout = timeout
        self._origins: dict[str, _Origin] = {}
        self._open: set[UpstreamConnection] = set()
        self._deadlines = Deadlines(self._open)

    async def request(
        self, base_url: str, target: str, method: str, head: bytes, body: bytes | None
    ) -> Answer:
        """The answer to one request; `head` is its header lines, each ending in CRLF.

        Raises Refused or ConnectTimeout when the request was never sent, ConnectionBroken
        when the connection failed after it may have been, and TimeoutError past `timeout`
        (waiting for a slot, connecting and waiting for the answer all count).
        """
        origin = self._origins.get(base_url)
        if origin is None:
            origin = self._origins[base_url] = _Origin(base_url)
        deadline = asyncio.get_running_loop().time() + self.timeout
        if not self._slots.take_now():
            await self._slots.take(deadline)
        try:
            conn = await self._connection(origin, deadline)
            request = b"".join(
                (
                    method.encode("ascii"),
                    b" ",
                    (origin.prefix + target).encode("latin-1"),
                    b" HTTP/1.1\r\nhost: ",
                    origin.host_header,
                    b"\r\n",
                    head,
                    _content_length(method, body),
                    b"\r\n",
                    body or b"",
                )
            )
            try:
                pending = conn.exchange(request, head_only=method == "HEAD", deadline=deadline)
                self._deadlines.watch(deadline)
                answer = await pending
            except BaseException:
                conn.close()  # half-used: never pooled again
                raise
            if answer.keep_alive and not conn.closed:
                idle = origin.idle
                idle.append((conn, time.monotonic()))
                # The service closes connections idle too long; forget those (oldest
                # first), so a burst's leftovers don't stay in the list for good.
                while idle[0][0].closed:
                    idle.popleft()
            else:
                conn.close()
            return answer
        finally:
            self._slots.give_back()

    async def _connection(self, origin: _Origin, deadline: float) -> UpstreamConnection:
        idle = origin.idle
        now = time.monotonic()
        while idle:
            conn, since = idle.pop()
            if not conn.closed and now - since < self._keepalive:
                return conn
            conn.close()  # idle too long: the service may be closing it right now
        loop = asyncio.get_running_loop()
        connect_by = loop.time() + self._connect_timeout
        try:
            async with asyncio.timeout_at(min(connect_by, deadline)):
                _, conn = await loop.create_connection(
                    lambda: UpstreamConnection(self._open), origin.host, origin.port
                )
        except TimeoutError as exc:
            if connect_by > deadline:
                raise  # the request's own time ran out first: a timeout, not a dead service
            raise ConnectTimeout(f"{origin.host}:{origin.port}") from exc
        except OSError as exc:
            raise Refused(f"{origin.host}:{origin.port}: {exc}") from exc
        return conn

    def close(self) -> None:
        """Closes every connection, idle or not."""
        for conn in list(self._open):
            conn.close()
        for origin in self._origins.values():
            origin.idle.clear()
        self._deadlines.close()


_NO_BODY = b""
_EMPTY_BODY = b"content-length: 0\r\n"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _content_length(method: str, body: bytes | None) -> bytes:
    if body:
        return b"content-length: %d\r\n" % len(body)
    return _EMPTY_BODY if method in _BODY_METHODS else _NO_BODY
