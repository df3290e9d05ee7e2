"""/health/ready on every REST process of the running platform."""

from __future__ import annotations

import httpx
import pytest

from tests.support.stack import Stack

EXPECTED_CHECKS = {
    "gateway": {"users", "products", "orders"},
    "users": {"database", "broker"},
    "products": {"database", "broker"},
    "orders": {"database", "broker", "users", "products"},
}


@pytest.mark.parametrize("service", sorted(EXPECTED_CHECKS))
def test_every_process_is_ready_with_its_checks_up(stack: Stack, service: str) -> None:
    base = stack.gateway_url if service == "gateway" else stack.url(service)
    resp = httpx.get(f"{base}/health/ready", timeout=10)
    body = resp.json()
    assert resp.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == EXPECTED_CHECKS[service]
    for name, check in body["checks"].items():
        assert check["status"] == "up", (name, check)
        assert check["latencyMs"] >= 0
