"""The worker's own small HTTP listener: liveness, readiness (broker and store), metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.http_app import Lifespan
from shop.common.http_errors import ORJSONResponse
from shop.common.metrics import render_latest
from shop.notifications.consumer import Worker

SERVICE = "notifications"


def create_app(*, engine: AsyncEngine, worker: Worker | None, lifespan: Lifespan) -> FastAPI:
    app = FastAPI(title="shop notification worker", lifespan=lifespan, openapi_url=None)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "healthy", "timestamp": datetime.now(UTC).isoformat(), "service": SERVICE}

    @app.get("/health/ready")
    async def ready() -> ORJSONResponse:
        async def broker() -> None:
            if worker is None or not worker.broker_up:
                raise ConnectionError("not connected to the broker")

        async def database() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        checks = {"database": await _check(database), "broker": await _check(broker)}
        up = all(c["status"] == "up" for c in checks.values())
        body = {"status": "ready" if up else "unavailable", "checks": checks}
        return ORJSONResponse(body, status_code=200 if up else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    return app


async def _check(probe: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {"status": "up"}
    try:
        await asyncio.wait_for(probe(), timeout=2)
    except Exception as exc:
        # The type only: a driver's message may name hosts or users.
        result = {"status": "down", "error": type(exc).__name__}
    result["latencyMs"] = round((time.perf_counter() - started) * 1000, 2)
    return result
