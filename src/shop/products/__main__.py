"""`python -m shop.products`: migrate, then serve REST and gRPC until SIGINT/SIGTERM."""

from __future__ import annotations

from shop.common.runner import run
from shop.common.service_main import serve_service
from shop.products.api import create_app
from shop.products.bootstrap import build, migrate
from shop.products.rpc import start_grpc
from shop.products.settings import ProductSettings


async def main() -> None:
    settings = ProductSettings()
    await serve_service(
        service="products",
        settings=settings,
        migrate=migrate,
        build=build,
        create_app=create_app,
        rest_port=settings.product_service_port,
        start_grpc=start_grpc,
    )


if __name__ == "__main__":
    run(main, name="products")
