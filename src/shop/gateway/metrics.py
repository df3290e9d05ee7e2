"""Gateway metrics: the shared HTTP series, labelled by route prefix to bound cardinality."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

from shop.common.logging import get_logger
from shop.common.metrics import HTTP_LATENCY, HTTP_REQUESTS, render_latest

log = get_logger("shop.gateway.metrics")
SERVICE = "gateway"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

UPSTREAM_ERRORS = Counter(
    "gateway_upstream_errors_total",
    "Proxied requests that failed for want of a usable upstream answer",
    ["route", "kind"],
)
RATE_LIMITED = Counter("gateway_rate_limited_total", "Requests refused with 429", ["route"])

# Label lookups take a lock and build a tuple; the set of label values is small and
# bounded, so the children are cached on the hot path.
_counters: dict[tuple[str, str, int], Counter] = {}
_histograms: dict[tuple[str, str], Histogram] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Counts one request and records its latency."""
    if method not in _METHODS:
        method = "OTHER"
    counter = _counters.get((method, route, status))
    if counter is None:
        counter = HTTP_REQUESTS.labels(SERVICE, method, route, str(status))
        _counters[(method, route, status)] = counter
    counter.inc()
    histogram = _histograms.get((method, route))
    if histogram is None:
        histogram = HTTP_LATENCY.labels(SERVICE, method, route)
        _histograms[(method, route)] = histogram
    histogram.observe(seconds)


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type."""
    return render_latest()


def serve_metrics(host: str, port: int) -> None:
    """/metrics on its own listener (a daemon thread), away from the public port.

    A port already taken is logged, not fatal: losing the metrics of one gateway must not
    take the shop's only entry point down with it.
    """
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("metrics_port_unavailable", host=host, port=port, error=type(exc).__name__)
        return
    log.info("metrics_listening", host=host, port=port)
