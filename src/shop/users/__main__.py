"""`python -m shop.users`: migrate, ensure the admin, then serve REST and gRPC."""

from __future__ import annotations

from shop.common.grpc_server import GrpcServer
from shop.common.runner import run
from shop.common.service_main import serve_service
from shop.users.api import create_app
from shop.users.bootstrap import build, ensure_admin, migrate
from shop.users.context import Context
from shop.users.rpc import start_grpc
from shop.users.settings import UserSettings


async def main() -> None:
    settings = UserSettings()

    async def grpc(ctx: Context) -> GrpcServer:
        return await start_grpc(ctx, port=settings.user_service_grpc_port)

    await serve_service(
        service="users",
        settings=settings,
        migrate=migrate,
        build=build,
        create_app=create_app,
        rest_port=settings.user_service_port,
        start_grpc=grpc,
        on_start=ensure_admin,
    )


if __name__ == "__main__":
    run(main, name="users")
