"""`python -m shop.orders`: the order service (REST + gRPC in one event loop)."""

from __future__ import annotations

from pathlib import Path

from shop.common.db import create_engine
from shop.common.logging import configure_logging, get_logger
from shop.common.migrations import upgrade_to_head_async
from shop.common.runner import run, serve
from shop.common.tracing import configure_tracing
from shop.orders.bootstrap import build, create_app, start_grpc
from shop.orders.settings import OrderSettings

MIGRATIONS = Path(__file__).parent / "migrations"


async def main() -> None:
    settings = OrderSettings()
    configure_logging(service="orders", level=settings.log_level)
    configure_tracing("orders")
    log = get_logger("shop.orders")
    url = settings.database_url()
    await upgrade_to_head_async(MIGRATIONS, url)
    engine = create_engine(url)
    service = build(settings=settings, engine=engine)
    if settings.order_fault_inject:
        log.warning("fault_injection_enabled", point=settings.order_fault_inject)
    try:
        await serve(
            app=create_app(service),
            rest_port=settings.order_service_port,
            grpc_server=lambda: start_grpc(service),
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    run(main, name="orders")
