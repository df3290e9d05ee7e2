"""/metrics on every process: request counts and latency by route template and status."""

from __future__ import annotations

import httpx
import pytest

from tests.support.stack import Stack


@pytest.mark.parametrize("service", ["gateway", "users", "products", "orders"])
def test_metrics_count_requests_by_route_and_status(stack: Stack, service: str) -> None:
    base = stack.gateway_url if service == "gateway" else stack.url(service)
    headers = {"x-gateway-secret": stack.secret}
    path = {
        "gateway": "/products/nope",
        "users": "/users/me",
        "products": "/products/nope",
        "orders": "/orders/nope",
    }[service]
    httpx.get(base + path, headers=headers)
    metrics_base = stack.gateway_metrics_url if service == "gateway" else base
    text = httpx.get(f"{metrics_base}/metrics").text
    # Bounded labels: a route template, never the raw id from the path.
    assert "nope" not in text
    label = f'service="{service}"'

    def has(series: str, *parts: str) -> bool:
        return any(
            line.startswith(series + "{") and label in line and all(p in line for p in parts)
            for line in text.splitlines()
        )

    assert has("http_requests_total", 'status="4')
    # The contract's histogram labels: service, method, route (no status).
    assert has("http_request_duration_seconds_bucket", 'method="GET"', "route=")
    assert not has("http_request_duration_seconds_bucket", "status=")
