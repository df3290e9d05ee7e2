"""`/health/ready`: what a process needs in order to serve, each check under a short timeout.

Only a check marked `required` makes the process unready. Peers and the broker are reported
but not required: the outbox and the breaker already cope with them being away, and a
readiness check that cascades would take every process out of rotation for one peer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shop.common.tracing import untraced

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

Probe = Callable[[], Awaitable[object]]
DEFAULT_TIMEOUT_SECONDS = 2.0
READY_PATH = "/health/ready"


@dataclass(frozen=True, slots=True)
class Check:
    """One named dependency: `probe` raises (or times out) when it is down."""

    name: str
    probe: Probe
    required: bool


async def _run(check: Check, limit_seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    error: str | None = None
    try:
        with untraced():
            await asyncio.wait_for(check.probe(), timeout=limit_seconds)
    except TimeoutError:
        error = f"no answer within {limit_seconds:g}s"
    except Exception as exc:
        # The exception's type only: messages can hold hosts, users or URLs with passwords.
        error = type(exc).__name__
    result: dict[str, Any] = {
        "status": "down" if error else "up",
        "latencyMs": round((time.perf_counter() - started) * 1000, 2),
    }
    if error:
        result["error"] = error
    return result


async def readiness(
    checks: Sequence[Check], *, limit_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> tuple[int, dict[str, Any]]:
    """Runs every check concurrently; (200 or 503, the contract's body)."""
    results = await asyncio.gather(*(_run(check, limit_seconds) for check in checks))
    ready = all(
        result["status"] == "up"
        for check, result in zip(checks, results, strict=True)
        if check.required
    )
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {check.name: result for check, result in zip(checks, results, strict=True)},
    }
    return (200 if ready else 503), body


def database_probe(engine: AsyncEngine) -> Probe:
    """`SELECT 1` over a pooled connection."""
    # Imported here: the gateway uses this module too, and has no database.
    from sqlalchemy import text

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return probe


def broker_probe(url: str) -> Probe:
    """A TCP connection to the broker: cheap, and enough to tell up from down."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)

    async def probe() -> None:
        _, writer = await asyncio.open_connection(host, port)
        writer.close()
        await writer.wait_closed()

    return probe


def grpc_health_probe(channel: Any) -> Probe:
    """The peer's standard grpc.health.v1 answer must be SERVING."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    stub = health_pb2_grpc.HealthStub(channel)

    async def probe() -> None:
        response = await stub.Check(health_pb2.HealthCheckRequest(service=""))
        if response.status != health_pb2.HealthCheckResponse.SERVING:
            raise ConnectionError("not serving")

    return probe


def service_checks(
    *, database: Probe, rabbitmq_url: str | None, peers: Sequence[tuple[str, Probe]] = ()
) -> list[Check]:
    """A service's checks: its own database (required), the broker and peers (reported)."""
    checks = [Check("database", database, required=True)]
    if rabbitmq_url is not None:
        checks.append(Check("broker", broker_probe(rabbitmq_url), required=False))
    checks += [Check(name, probe, required=False) for name, probe in peers]
    return checks
