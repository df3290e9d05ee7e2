"""The worker's own small HTTP listener: liveness, readiness (broker and store), metrics.

Its lifespan is the worker's life: it runs the consumer and, at exit, closes the context.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import Response

from shop.common.background import running
from shop.common.clock import utcnow
from shop.common.http_app import context_dependency
from shop.common.http_errors import ORJSONResponse
from shop.common.logging import get_logger
from shop.common.metrics import render_latest
from shop.notifications.context import Context

SERVICE = "notifications"
log = get_logger("shop.notifications")

Ctx = Annotated[Context, Depends(context_dependency(Context))]


def create_app(ctx: Context) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(*([ctx.consumer.run()] if ctx.consumer else [])):
            yield
        await ctx.aclose()
        log.info("worker_stopped")

    app = FastAPI(title="shop notification worker", lifespan=lifespan, openapi_url=None)
    app.state.context = ctx

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "healthy", "timestamp": utcnow().isoformat(), "service": SERVICE}

    @app.get("/health/ready")
    async def ready(ctx: Ctx) -> ORJSONResponse:
        async def broker() -> None:
            if ctx.consumer is None or not ctx.consumer.consuming:
                raise ConnectionError("not consuming from the broker")

        checks = {"database": await _check(ctx.deliveries.ping), "broker": await _check(broker)}
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
