"""Forwarding to the services over one pooled aiohttp session for the life of the process."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from starlette.types import Scope, Send
from yarl import URL

from shop.gateway.asgi import Headers
from shop.gateway.headers import downstream_headers
from shop.gateway.metrics import UPSTREAM_ERRORS
from shop.gateway.settings import GatewaySettings

# aiohttp adds these when the client did not send them; a proxy should pass what it got.
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


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
    """The process-wide session: keep-alive pool, bounded timeouts, no cookies, no magic."""
    connector = aiohttp.TCPConnector(
        limit=settings.upstream_pool_size,
        limit_per_host=0,
        keepalive_timeout=settings.upstream_keepalive_seconds,
        ttl_dns_cache=300,
    )
    # sock_connect bounds reaching the service; total bounds everything, including a wait
    # for a pooled connection, so a request never hangs.
    timeout = aiohttp.ClientTimeout(
        total=settings.upstream_timeout_seconds,
        sock_connect=settings.upstream_connect_timeout_seconds,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        auto_decompress=False,  # bodies pass through exactly as the service encoded them
        cookie_jar=aiohttp.DummyCookieJar(),  # one user's cookies must never reach another
        skip_auto_headers=_NO_AUTO_HEADERS,
        raise_for_status=False,
    )


async def forward(
    session: aiohttp.ClientSession,
    *,
    route: str,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
) -> UpstreamResponse:
    """The service's answer to one request, or UpstreamError; never hangs past the timeout."""
    try:
        async with session.request(
            method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False
        ) as resp:
            payload = await resp.read()
            length = resp.headers.get("Content-Length")
            return UpstreamResponse(
                resp.status,
                downstream_headers(resp.raw_headers),
                payload,
                length.encode("latin-1") if length is not None else None,
            )
    except aiohttp.ConnectionTimeoutError as exc:
        # Could not even connect in time: the service is unreachable, not slow.
        raise _failed(route, 503, "Upstream service unavailable", "connect_timeout") from exc
    except TimeoutError as exc:
        raise _failed(route, 504, "Upstream service timed out", "timeout") from exc
    except aiohttp.ClientConnectorError as exc:
        raise _failed(route, 503, "Upstream service unavailable", "unreachable") from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        # The connection broke after the request may have been sent (a replica died).
        raise _failed(route, 502, "Upstream service unavailable", "disconnected") from exc
    except aiohttp.ClientError as exc:
        raise _failed(route, 502, "Invalid response from upstream service", "bad_response") from exc


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
    await send({"type": "http.response.start", "status": resp.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else resp.body})


def upstream_url(base: str, scope: Scope) -> str:
    """The service URL for this request: path and query string exactly as the client sent."""
    raw_path: bytes | None = scope.get("raw_path")
    url = base + (raw_path.decode("latin-1") if raw_path else scope["path"])
    query: bytes = scope["query_string"]
    return f"{url}?{query.decode('latin-1')}" if query else url
