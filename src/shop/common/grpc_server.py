"""gRPC server plumbing: gateway-secret interceptor, health service, error mapping."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from shop.common.context import REQUEST_ID_HEADER, accept_request_id, set_request_id
from shop.common.grpc_client import KEEPALIVE_TIME_MS
from shop.common.grpc_status import failure_status
from shop.common.logging import get_logger
from shop.common.metrics import GRPC_LATENCY, GRPC_REQUESTS, Children
from shop.common.security import GATEWAY_SECRET_HEADER, secret_matches
from shop.common.startup_errors import PortUnavailable, port_is_free

log = get_logger("shop.grpc")
_HEALTH_PREFIX = "/grpc.health.v1.Health/"

_REQUESTS = Children(GRPC_REQUESTS)


class _CallLog:
    """The logger of each call's line: structlog's lazy proxy until a server starts, then
    resolved once (the logging configuration is final by then), so a call skips the
    proxy's lookup and bind: 3.1 -> 2.3 us of CPU for the decorator with INFO off."""

    line: Any = log


async def _deny(_: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid gateway secret")


_DENY_HANDLER = grpc.unary_unary_rpc_method_handler(_deny)


class GatewaySecretInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Refuses every call but health checks without a valid secret; binds the request id."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self._secrets = list(secrets)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        if details.method.startswith(_HEALTH_PREFIX):
            return await continuation(details)
        # One pass for the two keys, not a dict of every entry; the last of a repeated key
        # wins, as it did in the dict.
        secret = request_id = None
        for key, value in details.invocation_metadata or ():
            if key == GATEWAY_SECRET_HEADER:
                secret = value if isinstance(value, str) else secret
            elif key == REQUEST_ID_HEADER:
                request_id = value if isinstance(value, str) else request_id
        if not secret_matches(secret, self._secrets):
            return _DENY_HANDLER
        set_request_id(accept_request_id(request_id))
        return await continuation(details)


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

OPTIONS: tuple[tuple[str, Any], ...] = (
    # No SO_REUSEPORT: a second process on our port must fail, not silently share it.
    ("grpc.so_reuseport", 0),
    # Our channels ping every KEEPALIVE_TIME_MS, with or without calls. grpc's server
    # defaults allow a ping without data once in 5 minutes, none without calls: each of
    # ours was a strike, and after about two idle minutes the next call's ping drew a
    # GOAWAY "too_many_pings" that failed that call with UNAVAILABLE.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", KEEPALIVE_TIME_MS // 2),
)


class MethodRecord:
    """One method's bookkeeping: grpc_requests_total by code, its latency, its `rpc` line
    (with the caller's request id, bound by the interceptor or by the batch item)."""

    def __init__(self, service: str, name: str) -> None:
        self.service, self.name = service, name
        # Looked up once, and so shown from start-up (at 0) for every method.
        self._latency = GRPC_LATENCY.labels(service, name)
        # This method's counters by code, each still created on first use (`Children`).
        self._counted: dict[str, Any] = {}

    def record(self, code: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        counter = self._counted.get(code)
        if counter is None:
            counter = self._counted[code] = _REQUESTS(self.service, self.name, code)
        counter.inc()
        self._latency.observe(elapsed)
        _CallLog.line.info("rpc", method=self.name, code=code, duration_ms=round(elapsed * 1000, 2))


def translate_errors(service: str) -> Callable[[F], F]:
    """Decorates a servicer method: AppError becomes its gRPC status; each call is counted
    and logged (with the caller's request id, bound by the interceptor)."""

    def decorate(method: F) -> F:
        name = method.__name__
        record = MethodRecord(service, name).record

        @functools.wraps(method)
        async def wrapper(
            self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> Any:
            started = time.perf_counter()
            code = "OK"
            try:
                return await method(self, request, context)
            except Exception as exc:
                status, details = failure_status(exc, name)
                code = status.name
                if status is grpc.StatusCode.UNKNOWN:
                    raise  # grpc answers UNKNOWN without our details, as for any bug
                await context.abort(status, details)
            finally:
                record(code, started)

        return wrapper  # type: ignore[return-value]

    return decorate


@dataclass(frozen=True)
class GrpcServer:
    """A running server and its health servicer, so shutdown can report NOT_SERVING first."""

    server: grpc.aio.Server
    health: health_aio.HealthServicer

    async def stop(self, grace_seconds: float) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_seconds)


async def start_grpc_server(
    *,
    port: int,
    secrets: Sequence[str],
    register: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    host: str = "0.0.0.0",
    bind_retry_seconds: float = 5.0,
) -> GrpcServer:
    """A started server with our services, the standard health service and the interceptor."""
    _CallLog.line = log.bind()
    server = grpc.aio.server(interceptors=[GatewaySecretInterceptor(secrets)], options=OPTIONS)
    register(server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    for name in ["", *service_names]:
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    await _bind(server, host, port, retry_seconds=bind_retry_seconds)
    await server.start()
    log.info("grpc_started", port=port)
    return GrpcServer(server=server, health=health)


async def _bind(server: grpc.aio.Server, host: str, port: int, *, retry_seconds: float) -> None:
    """Binds, retrying for a while: our ports may lie in the ephemeral range, where another
    program's outgoing connection can hold one for a moment."""
    started = time.monotonic()
    warned = False
    while True:
        # Probe with a plain socket first: a failed gRPC bind logs a C-level error line.
        if port_is_free(host, port):
            try:
                server.add_insecure_port(f"{host}:{port}")
                return
            except RuntimeError:
                pass  # taken between the probe and the bind
        waited = time.monotonic() - started
        if waited >= retry_seconds:
            raise PortUnavailable(port=port, kind="gRPC", waited_seconds=round(waited, 1))
        if not warned:
            log.warning("grpc_port_busy", port=port, retrying_for_seconds=retry_seconds)
            warned = True
        await asyncio.sleep(0.25)
