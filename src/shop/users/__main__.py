"""`python -m shop.users`: migrate, ensure the admin, then serve REST and gRPC."""

from __future__ import annotations

from shop.common.logging import configure_logging
from shop.common.runner import run, serve
from shop.common.tracing import configure_tracing
from shop.users.api import create_app
from shop.users.bootstrap import build, ensure_admin
from shop.users.rpc import start_grpc
from shop.users.settings import UserSettings
from shop.users.store import migrate


async def main() -> None:
    settings = UserSettings()
    configure_logging(service="users", level=settings.log_level)
    configure_tracing("users")
    await migrate(settings.database_url())
    ctx = build(settings)
    try:
        await ensure_admin(ctx)
        await serve(
            app=create_app(ctx),
            rest_port=settings.user_service_port,
            grpc_server=lambda: start_grpc(ctx, port=settings.user_service_grpc_port),
        )
    finally:
        await ctx.aclose()


if __name__ == "__main__":
    run(main, name="users")
