"""Prometheus metrics shared by every process."""

from __future__ import annotations

from typing import Generic, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)


class Children(Generic[M]):
    """A labelled metric's children, each looked up through labels() once.

    prometheus_client's labels() validates the values and takes a lock on every call,
    which on a per-request path cost more than the counting itself. A child is still
    created on first use, so a series shows only once something was counted; the label
    values given here are bounded (services, routes, methods, codes), and so is the cache.
    """

    def __init__(self, metric: M) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=_LATENCY_BUCKETS,
)
GRPC_REQUESTS = Counter("grpc_requests_total", "gRPC calls served", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "grpc_request_duration_seconds",
    "gRPC call latency, server side",
    ["service", "method"],
    buckets=_LATENCY_BUCKETS,
)
GRPC_CLIENT_REQUESTS = Counter(
    "grpc_client_requests_total", "gRPC calls made", ["service", "peer", "method", "code"]
)
GRPC_CLIENT_LATENCY = Histogram(
    "grpc_client_request_duration_seconds",
    "gRPC call latency, client side (one attempt)",
    ["service", "peer", "method"],
    buckets=_LATENCY_BUCKETS,
)
CIRCUIT_BREAKER_OPEN = Gauge(
    "circuit_breaker_open", "1 while the breaker to a peer refuses calls", ["service", "peer"]
)
OUTBOX_PUBLISHED = Counter(
    "outbox_published_total", "Outbox events confirmed by the broker", ["service"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Outbox publish attempts that failed", ["service"]
)


def render_latest() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


OUTBOX_PENDING = Gauge(
    "outbox_pending", "Outbox events not yet confirmed by the broker", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox event not yet confirmed (0 when none)",
    ["service"],
)
