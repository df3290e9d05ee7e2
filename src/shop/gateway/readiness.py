"""The gateway is ready when at least one replica of each service answers its /health."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp

from shop.common.readiness import Check, Probe
from shop.gateway.settings import GatewaySettings

_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=1.5)


def replica_urls(settings: GatewaySettings) -> dict[str, list[str]]:
    """Service name -> base URL of each replica (the *_SERVICE_URL lists)."""
    raw = {
        "users": settings.user_service_url,
        "products": settings.product_service_url,
        "orders": settings.order_service_url,
    }
    return {
        name: [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
        for name, value in raw.items()
    }


def any_replica_probe(session: Callable[[], aiohttp.ClientSession], urls: list[str]) -> Probe:
    """Up when any replica's /health answers 200; the replicas are asked concurrently."""

    async def healthy(url: str) -> bool:
        async with session().get(f"{url}/health", timeout=_PROBE_TIMEOUT) as resp:
            return resp.status == 200

    async def probe() -> None:
        answers = await asyncio.gather(*(healthy(url) for url in urls), return_exceptions=True)
        if not any(answer is True for answer in answers):
            raise ConnectionError("no replica up")

    return probe


def gateway_checks(
    settings: GatewaySettings, session: Callable[[], aiohttp.ClientSession]
) -> list[Check]:
    """One required check per service."""
    return [
        Check(name, any_replica_probe(session, urls), required=True)
        for name, urls in replica_urls(settings).items()
    ]
