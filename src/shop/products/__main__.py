"""`python -m shop.products`: migrate, then serve REST and gRPC until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

from shop.common.logging import configure_logging
from shop.common.runner import run, serve
from shop.common.tracing import configure_tracing
from shop.products.bootstrap import create_app, open_store, start_grpc
from shop.products.settings import ProductSettings


async def main() -> None:
    settings = ProductSettings()
    configure_logging(service="products", level=settings.log_level)
    configure_tracing("products")
    wake = asyncio.Event()
    store = await open_store(settings, wake=wake)
    try:
        await serve(
            app=create_app(settings=settings, store=store, wake=wake),
            rest_port=settings.product_service_port,
            grpc_server=lambda: start_grpc(settings=settings, store=store),
        )
    finally:
        await store.close()


if __name__ == "__main__":
    run(main, name="products")
