"""Gateway metrics: the shared HTTP series, labelled by route prefix to bound cardinality."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shop.common.metrics import HTTP_LATENCY, HTTP_REQUESTS, render_latest

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
_histograms: dict[tuple[str, str, int], Histogram] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Counts one request and records its latency."""
    if method not in _METHODS:
        method = "OTHER"
    counter = _counters.get((method, route, status))
    if counter is None:
        counter = HTTP_REQUESTS.labels(SERVICE, method, route, str(status))
        _counters[(method, route, status)] = counter
    counter.inc()
    histogram = _histograms.get((method, route, status))
    if histogram is None:
        histogram = HTTP_LATENCY.labels(SERVICE, method, route, str(status))
        _histograms[(method, route, status)] = histogram
    histogram.observe(seconds)


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type."""
    return render_latest()
