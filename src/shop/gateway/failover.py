"""One proxied request over a service's replicas: pick, forward, and move on when safe."""

from __future__ import annotations

from shop.common import tracing
from shop.common.logging import get_logger
from shop.gateway.exchange import Exchange
from shop.gateway.headers import header_lines, with_trace
from shop.gateway.proxy import UpstreamError, UpstreamResponse, forward, request_target
from shop.gateway.replicas import Replica
from shop.gateway.routing import Route
from shop.gateway.upstream_pool import UpstreamPool

log = get_logger("shop.gateway")

# Failures after which the request never reached a replica, and failures after which it
# may have: the second are retried only where a repeat does no harm.
_NOT_SENT = frozenset({"unreachable"})
_MAYBE_SENT = frozenset({"connect_timeout", "disconnected"})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# A replica that cannot even be connected to sits out; one that broke a connection may
# only have been restarted, so it stays.
_EJECTING = frozenset({"unreachable", "connect_timeout"})


def retryable(kind: str, *, method: str, path: str, idempotency_key: bool) -> bool:
    """True when a failed request may go to another replica of the same service."""
    if kind in _NOT_SENT:
        return True
    if kind not in _MAYBE_SENT:
        return False
    # POST /orders with an Idempotency-Key is safe to repeat: the order service dedups it.
    return method in _IDEMPOTENT_METHODS or (
        method == "POST" and path == "/orders" and idempotency_key
    )


async def forward_to_a_replica(
    pool: UpstreamPool,
    ex: Exchange,
    route: Route,
    headers: list[tuple[bytes, bytes]],
    body: bytes | None,
) -> UpstreamResponse:
    """The first answer from the route's replicas, each tried at most once; or UpstreamError.
    With tracing on, one CLIENT span covers the tries and its traceparent goes upstream."""
    if not tracing.enabled():
        # Checked here, so that tracing off costs no span context manager per request.
        return await _first_answer(pool, ex, route, header_lines(headers), body)
    with tracing.client_call(f"{ex.method} {route.label}", ex.path) as trace_headers:
        return await _first_answer(pool, ex, route, with_trace(headers, trace_headers), body)


async def _first_answer(
    pool: UpstreamPool, ex: Exchange, route: Route, head: bytes, body: bytes | None
) -> UpstreamResponse:
    replicas = route.replicas
    target = request_target(ex.scope)
    tried: list[Replica] = []
    while True:
        replica = replicas.pick(exclude=tried)
        assert replica is not None, "a set has a replica, and the loop stops before all are tried"
        try:
            with replicas.lease(replica):
                return await forward(
                    pool,
                    route=route.label,
                    method=ex.method,
                    base_url=replica.url,
                    target=target,
                    head=head,
                    body=body,
                )
        except UpstreamError as exc:
            if exc.kind in _EJECTING:
                replicas.eject(replica)
            tried.append(replica)
            has_key = b"idempotency-key" in ex.headers
            safe = retryable(exc.kind, method=ex.method, path=ex.path, idempotency_key=has_key)
            if not safe or len(tried) == len(replicas.replicas):
                raise
            log.info("upstream_retry", route=route.label, kind=exc.kind)
