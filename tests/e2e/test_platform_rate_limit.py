"""A burst from one client gets 429 with Retry-After, from a gateway with a tight limit."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shop.launcher.supervisor import Supervisor
from tests.support.ports import free_port
from tests.support.stack import Stack


@pytest.fixture
def tight_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {
        **stack.env,
        "GATEWAY_PORT": str(port),
        "RATE_LIMIT_DEFAULT": "20/minute",
        "RATE_LIMIT_AUTH": "5/minute",
    }
    supervisor = Supervisor(env, log_dir=tmp_path_factory.mktemp("tight-gateway"))
    supervisor.start("gateway")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        supervisor.stop_all()


def test_a_burst_gets_429_with_retry_after(tight_gateway: str) -> None:
    statuses = [httpx.get(f"{tight_gateway}/products").status_code for _ in range(30)]
    assert statuses[:20] == [200] * 20
    assert 429 in statuses
    limited = httpx.get(f"{tight_gateway}/products")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["success"] is False


def test_login_attempts_are_limited_per_ip(tight_gateway: str) -> None:
    body = {"email": "nobody@example.com", "password": "wrong-password"}
    statuses = [httpx.post(f"{tight_gateway}/auth/login", json=body).status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429
