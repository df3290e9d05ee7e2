"""`python -m shop.users`: migrate, ensure the admin, then serve REST and gRPC."""

from __future__ import annotations

from shop.common.runner import run
from shop.common.service_main import serve_service
from shop.users.api import create_app
from shop.users.bootstrap import build, ensure_admin, migrate
from shop.users.rpc import start_grpc
from shop.users.settings import UserSettings


async def main() -> None:
    settings = UserSettings()
    await serve_service(
        service="users",
        settings=settings,
        migrate=migrate,
        build=build,
        create_app=create_app,
        rest_port=settings.user_service_port,
        start_grpc=start_grpc,
        on_start=ensure_admin,
    )


if __name__ == "__main__":
    run(main, name="users")
