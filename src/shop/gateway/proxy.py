"""Forwarding to the services over pooled keep-alive connections, and relaying the answer."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from starlette.types import Scope, Send

from shop.gateway.asgi import Headers, send_whole
from shop.gateway.headers import downstream_headers
from shop.gateway.metrics import UPSTREAM_ERRORS
from shop.gateway.server import write_at_once
from shop.gateway.settings import GatewaySettings
from shop.gateway.upstream_connection import BadAnswer, ConnectionBroken
from shop.gateway.upstream_pool import ConnectTimeout, Refused, UpstreamPool


class UpstreamError(Exception):
    """No usable upstream answer; `status` (502/503/504) and `message` are client-safe."""

    def __init__(self, status: int, message: str, kind: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    content_length: bytes | None  # the upstream's own, kept for HEAD answers


def create_session(settings: GatewaySettings) -> aiohttp.ClientSession:
    """The session for the gateway's own calls (readiness, API docs): bounded, no cookies."""
    keepalive = settings.upstream_keepalive_seconds
    connector = aiohttp.TCPConnector(limit=32, keepalive_timeout=keepalive)
    timeout = aiohttp.ClientTimeout(
        total=settings.upstream_timeout_seconds,
        sock_connect=settings.upstream_connect_timeout_seconds,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        raise_for_status=False,
    )


def create_pool(settings: GatewaySettings) -> UpstreamPool:
    """The connections requests are forwarded over: keep-alive, bounded, with timeouts."""
    # `timeout` bounds everything, including a wait for a free slot, so a request never
    # hangs; the connect timeout tells an unreachable service from a slow one.
    return UpstreamPool(
        size=settings.upstream_pool_size,
        keepalive_seconds=settings.upstream_keepalive_seconds,
        connect_timeout=settings.upstream_connect_timeout_seconds,
        timeout=settings.upstream_timeout_seconds,
    )


async def forward(
    pool: UpstreamPool,
    *,
    route: str,
    method: str,
    base_url: str,
    target: str,
    head: bytes,
    body: bytes | None,
) -> UpstreamResponse:
    """The service's answer to one request, or UpstreamError; never hangs past the timeout."""
    try:
        answer = await pool.request(base_url, target, method, head, body)
    except ConnectTimeout as exc:
        # Could not even connect in time: the service is unreachable, not slow.
        raise _failed(route, 503, "Upstream service unavailable", "connect_timeout") from exc
    except Refused as exc:
        raise _failed(route, 503, "Upstream service unavailable", "unreachable") from exc
    except TimeoutError as exc:
        raise _failed(route, 504, "Upstream service timed out", "timeout") from exc
    except ConnectionBroken as exc:
        # The connection broke after the request may have been sent (a replica died).
        raise _failed(route, 502, "Upstream service unavailable", "disconnected") from exc
    except BadAnswer as exc:
        raise _failed(route, 502, "Invalid response from upstream service", "bad_response") from exc
    return UpstreamResponse(
        answer.status, downstream_headers(answer.headers), answer.body, answer.content_length
    )


def _failed(route: str, status: int, message: str, kind: str) -> UpstreamError:
    UPSTREAM_ERRORS.labels(route, kind).inc()
    return UpstreamError(status, message, kind)


async def relay(send: Send, resp: UpstreamResponse, extra: Headers, *, head: bool) -> None:
    """Sends the service's answer to the client, with the gateway's own headers added."""
    headers = [*resp.headers, *extra]
    if not head:
        headers.append((b"content-length", str(len(resp.body)).encode()))
    elif resp.content_length is not None:
        headers.append((b"content-length", resp.content_length))
    body = b"" if head else resp.body
    if not write_at_once(send, resp.status, headers, body):
        await send_whole(send, resp.status, headers, body)


def request_target(scope: Scope) -> str:
    """The path and query string exactly as the client sent them."""
    raw_path: bytes | None = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query: bytes = scope["query_string"]
    return f"{path}?{query.decode('latin-1')}" if query else path
