"""gRPC client plumbing: one channel per peer, carrying the secret and the request id."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any

import grpc

from shop.common.context import REQUEST_ID_HEADER, get_request_id
from shop.common.metrics import GRPC_CLIENT_LATENCY, GRPC_CLIENT_REQUESTS
from shop.common.security import GATEWAY_SECRET_HEADER

_HEALTH_PREFIX = "/grpc.health.v1.Health/"


class _MetadataInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, secret: str) -> None:
        self._secret = secret

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add(GATEWAY_SECRET_HEADER, self._secret)
        request_id = get_request_id()
        if request_id:
            metadata.add(REQUEST_ID_HEADER, request_id)
        new_details = grpc.aio.ClientCallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            details.wait_for_ready,
        )
        return await continuation(new_details, request)


class _MetricsInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Counts and times each attempt by method and status code (health checks aside)."""

    def __init__(self, service: str, peer: str) -> None:
        self._service = service
        self._peer = peer

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        path = details.method.decode() if isinstance(details.method, bytes) else details.method
        if path.startswith(_HEALTH_PREFIX):
            return await continuation(details, request)
        method = path.rsplit("/", 1)[-1]
        started = time.perf_counter()
        call = await continuation(details, request)
        code = await call.code()  # waits for the call to end; never raises
        GRPC_CLIENT_REQUESTS.labels(self._service, self._peer, method, code.name).inc()
        GRPC_CLIENT_LATENCY.labels(self._service, self._peer, method).observe(
            time.perf_counter() - started
        )
        return call


def _ipv4(address: str) -> str:
    """'host:port' -> 'a.b.c.d:port'; a name is resolved once, at start-up."""
    host, _, port = address.rpartition(":")
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        host = str(socket.getaddrinfo(host, int(port), socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
    return f"{host}:{port}"


def channel_target(value: str) -> str:
    """A *_SERVICE_GRPC value as a gRPC target: one address as given (DNS may name several
    replicas), a comma-separated list as an `ipv4:` target over every listed replica."""
    addresses = [part.strip() for part in value.split(",") if part.strip()]
    if len(addresses) <= 1:
        return value.strip()
    return "ipv4:" + ",".join(_ipv4(address) for address in addresses)


def open_channel(
    target: str, *, secret: str, service: str | None = None, peer: str | None = None
) -> grpc.aio.Channel:
    """A channel for the life of the process; every call carries secret and request id.
    With `service` and `peer`, each call is counted in the grpc_client_* metrics.

    Over a list of replicas, round_robin spreads calls and skips the ones that are down,
    and reconnect backoff is capped so a replica that comes back is used within seconds.
    One address keeps grpc's default policy (pick_first), as a single peer always had.
    """
    interceptors: list[Any] = [_MetadataInterceptor(secret)]
    if service is not None and peer is not None:
        interceptors.append(_MetricsInterceptor(service, peer))
    options: list[tuple[str, Any]] = [
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.enable_retries", 0),  # retries are ours: only idempotent calls are retried
    ]
    resolved = channel_target(target)
    if resolved.startswith("ipv4:"):
        options += [
            ("grpc.lb_policy_name", "round_robin"),
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ]
    return grpc.aio.insecure_channel(resolved, interceptors=interceptors, options=options)
