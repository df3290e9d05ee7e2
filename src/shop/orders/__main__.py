"""`python -m shop.orders`: the order service (REST + gRPC in one event loop)."""

from __future__ import annotations

from shop.common.logging import configure_logging, get_logger
from shop.common.migrations import upgrade_to_head_async
from shop.common.runner import run, serve
from shop.common.tracing import configure_tracing
from shop.orders.api import create_app
from shop.orders.bootstrap import build
from shop.orders.rpc import start_grpc
from shop.orders.settings import OrderSettings
from shop.orders.store import MIGRATIONS_DIR


async def main() -> None:
    settings = OrderSettings()
    configure_logging(service="orders", level=settings.log_level)
    configure_tracing("orders")
    log = get_logger("shop.orders")
    await upgrade_to_head_async(MIGRATIONS_DIR, settings.database_url())
    ctx = build(settings)
    if settings.order_fault_inject:
        log.warning("fault_injection_enabled", point=settings.order_fault_inject)
    try:
        await serve(
            app=create_app(ctx),
            rest_port=settings.order_service_port,
            grpc_server=lambda: start_grpc(ctx),
        )
    finally:
        await ctx.aclose()


if __name__ == "__main__":
    run(main, name="orders")
