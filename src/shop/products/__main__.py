"""`python -m shop.products`: migrate, then serve REST and gRPC until SIGINT/SIGTERM."""

from __future__ import annotations

from shop.common.logging import configure_logging
from shop.common.runner import run, serve
from shop.common.tracing import configure_tracing
from shop.products.api import create_app
from shop.products.bootstrap import build, migrate
from shop.products.rpc import start_grpc
from shop.products.settings import ProductSettings


async def main() -> None:
    settings = ProductSettings()
    configure_logging(service="products", level=settings.log_level)
    configure_tracing("products")
    await migrate(settings)
    ctx = build(settings)
    try:
        await serve(
            app=create_app(ctx),
            rest_port=settings.product_service_port,
            grpc_server=lambda: start_grpc(ctx),
        )
    finally:
        await ctx.aclose()


if __name__ == "__main__":
    run(main, name="products")
