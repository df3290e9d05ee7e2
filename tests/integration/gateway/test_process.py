"""`python -m shop.gateway` as a real process: env names, JSON logs, clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from tests.support.gateway_servers import GATEWAY_SECRETS, JWT_SECRET, bearer
from tests.support.ports import free_port


@pytest.fixture
async def gateway_process(
    upstream_url: str,
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_METRICS_PORT": str(free_port()),
        "JWT_SECRET": JWT_SECRET,
        "GATEWAY_SECRET": GATEWAY_SECRETS,
        "USER_SERVICE_URL": upstream_url,
        "PRODUCT_SERVICE_URL": upstream_url,
        "ORDER_SERVICE_URL": upstream_url,
        "REDIS_URL": "",
        "RATE_LIMIT_DEFAULT": "1000/minute",
        "LOG_LEVEL": "INFO",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shop.gateway",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"{base}/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise RuntimeError("gateway process did not become healthy")
        yield base, proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_process_logs_one_json_line_per_request_and_stops_cleanly(
    gateway_process: tuple[str, asyncio.subprocess.Process],
    upstream_url: str,
) -> None:
    base, proc = gateway_process
    authorization = bearer(user_id="u-log")
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": authorization, "X-Request-ID": "log-check-1"}
        async with session.get(f"{base}/orders/o-1", headers=headers) as resp:
            assert resp.status == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout is not None
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=15)
    assert proc.returncode == 0
    lines = [orjson.loads(line) for line in output.splitlines() if line.startswith(b"{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["request_id"] == "log-check-1"
    assert line["method"] == "GET" and line["route"] == "/orders" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    token = authorization.split(" ", 1)[1]
    assert token.encode() not in output
    assert JWT_SECRET.encode() not in output
    assert b"first-gateway-secret" not in output


async def test_production_without_secrets_refuses_to_start() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "GATEWAY_SECRET")}
    env.update({"SHOP_ENV": "production", "GATEWAY_PORT": str(free_port())})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shop.gateway",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 1
    assert b"JWT_SECRET" in stderr and b"Traceback" not in stderr
