"""`python -m shop.orders`: the order service (REST + gRPC in one event loop)."""

from __future__ import annotations

from shop.common.logging import get_logger
from shop.common.runner import run
from shop.common.service_main import serve_service
from shop.orders.api import create_app
from shop.orders.bootstrap import build, migrate
from shop.orders.context import Context
from shop.orders.rpc import start_grpc
from shop.orders.settings import OrderSettings

log = get_logger("shop.orders")


async def announce_faults(ctx: Context) -> None:
    if ctx.settings.order_fault_inject:
        log.warning("fault_injection_enabled", point=ctx.settings.order_fault_inject)


async def main() -> None:
    settings = OrderSettings()
    await serve_service(
        service="orders",
        settings=settings,
        migrate=migrate,
        build=build,
        create_app=create_app,
        rest_port=settings.order_service_port,
        start_grpc=start_grpc,
        on_start=announce_faults,
    )


if __name__ == "__main__":
    run(main, name="orders")
