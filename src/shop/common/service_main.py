"""The start-up sequence every service's `__main__` runs, written once.

Logging and tracing, migrate, `build`, then serve REST (and gRPC) until a signal; the
context is closed whatever happens, so a failed start still releases its pools.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from starlette.types import ASGIApp

from shop.common.grpc_server import GrpcServer
from shop.common.logging import configure_logging
from shop.common.runner import serve
from shop.common.settings import CommonSettings
from shop.common.tracing import configure_tracing


class Closable(Protocol):
    async def aclose(self) -> None: ...


S = TypeVar("S", bound=CommonSettings)
C = TypeVar("C", bound=Closable)


async def serve_service(
    *,
    service: str,
    settings: S,
    migrate: Callable[[S], Awaitable[None]],
    build: Callable[[S], C],
    create_app: Callable[[C], ASGIApp],
    rest_port: int,
    start_grpc: Callable[[C], Awaitable[GrpcServer]] | None = None,
    on_start: Callable[[C], Awaitable[None]] | None = None,
) -> None:
    """Migrates, builds the context, runs `on_start` (an admin account, a log line) and
    serves until SIGINT/SIGTERM; `ctx.aclose()` at exit."""
    configure_logging(service=service, level=settings.log_level)
    configure_tracing(service)
    await migrate(settings)
    ctx = build(settings)
    grpc_server = None if start_grpc is None else (lambda: start_grpc(ctx))
    try:
        if on_start is not None:
            await on_start(ctx)
        await serve(app=create_app(ctx), rest_port=rest_port, grpc_server=grpc_server)
    finally:
        await ctx.aclose()
