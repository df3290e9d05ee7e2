"""The worker's own small HTTP listener: liveness, readiness (broker and store), metrics.

Its lifespan is the worker's life: it runs the consumer (`__main__` closes the context).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import Response

from shop.common.background import running
from shop.common.clock import utcnow
from shop.common.http_app import context_dependency
from shop.common.http_errors import ORJSONResponse
from shop.common.logging import get_logger
from shop.common.metrics import render_latest
from shop.common.readiness import Check, readiness
from shop.notifications.context import Context

SERVICE = "notifications"
log = get_logger("shop.notifications")

Ctx = Annotated[Context, Depends(context_dependency(Context))]


def create_app(ctx: Context) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(*([ctx.consumer.run()] if ctx.consumer else [])):
            yield
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

        # Both required: a worker that cannot consume, or cannot record a delivery, is idle.
        checks = [
            Check("database", ctx.deliveries.ping, required=True),
            Check("broker", broker, required=True),
        ]
        status, body = await readiness(checks)
        return ORJSONResponse(body, status_code=status)

    @app.get("/metrics")
    async def metrics() -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    return app
