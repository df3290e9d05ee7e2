"""`python -m shop.notifications`: the notification worker."""

from __future__ import annotations

import asyncio
import signal

from shop.common.db import create_engine
from shop.common.logging import configure_logging, get_logger
from shop.common.runner import run
from shop.common.tracing import configure_tracing
from shop.notifications.models import metadata
from shop.notifications.settings import NotificationSettings
from shop.notifications.worker import consume


async def main() -> None:
    settings = NotificationSettings()
    configure_logging(service="notifications", level=settings.log_level)
    configure_tracing("notifications")
    log = get_logger("shop.notifications")
    engine = create_engine(settings.database_url())
    # One table that only grows by inserts: create_all is its whole migration story.
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if settings.rabbitmq_url is None:
        log.warning("no_broker_configured")
        await stop.wait()
    else:
        await consume(
            engine,
            rabbitmq_url=settings.rabbitmq_url,
            queue_name=settings.notification_queue,
            prefetch=settings.notification_prefetch,
            stop=stop,
        )
    await engine.dispose()
    log.info("worker_stopped")


if __name__ == "__main__":
    run(main, name="notifications")
