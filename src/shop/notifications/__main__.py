"""`python -m shop.notifications`: the notification worker.

`python -m shop.notifications replay-dlq` moves dead letters back to its queue and exits.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from shop.common.background import running
from shop.common.db import create_engine
from shop.common.logging import configure_logging, get_logger
from shop.common.migrations import upgrade_to_head_async
from shop.common.runner import run, serve
from shop.notifications.consumer import Worker
from shop.notifications.delivery import transport_for
from shop.notifications.dlq import replay_dead_letters
from shop.notifications.handling import EventHandler
from shop.notifications.http import create_app
from shop.notifications.settings import NotificationSettings
from shop.notifications.topology import Queues

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger("shop.notifications")


def _queues(settings: NotificationSettings) -> Queues:
    return Queues(
        main=settings.notification_queue,
        max_attempts=settings.notification_max_attempts,
        auto_delete=settings.notification_queue_auto_delete,
    )


async def main() -> None:
    settings = NotificationSettings()
    configure_logging(service="notifications", level=settings.log_level)
    await upgrade_to_head_async(MIGRATIONS, settings.database_url())
    engine = create_engine(settings.database_url())
    transport = transport_for(smtp_url=settings.smtp_url, mail_dir=Path(settings.mail_dir))
    log.info("mail_goes_to", transport=transport.description)
    handler = EventHandler(
        engine=engine,
        transport=transport,
        sender=settings.mail_from,
        alert_recipient=settings.alert_recipient,
        claim_lease=timedelta(seconds=settings.notification_claim_seconds),
    )
    worker = None
    if settings.rabbitmq_url is None:
        log.warning("no_broker_configured")
    else:
        worker = Worker(
            handler=handler,
            rabbitmq_url=settings.rabbitmq_url,
            queues=_queues(settings),
            prefetch=settings.notification_prefetch,
            retry_base_seconds=settings.notification_retry_base_seconds,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(*([worker.run()] if worker else [])):
            yield
        await engine.dispose()
        log.info("worker_stopped")

    app = create_app(engine=engine, worker=worker, lifespan=lifespan)
    await serve(app=app, rest_port=settings.notification_port)


async def replay_dlq() -> None:
    settings = NotificationSettings()
    configure_logging(service="notifications", level=settings.log_level)
    if settings.rabbitmq_url is None:
        raise SystemExit("replay-dlq: RABBITMQ_URL is not set")
    moved = await replay_dead_letters(rabbitmq_url=settings.rabbitmq_url, queues=_queues(settings))
    print(f"replayed {moved} dead letter(s) into {settings.notification_queue}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m shop.notifications")
    parser.add_argument("command", nargs="?", choices=["run", "replay-dlq"], default="run")
    args = parser.parse_args()
    if args.command == "replay-dlq":
        run(replay_dlq, name="notifications replay-dlq")
    else:
        run(main, name="notifications")


if __name__ == "__main__":
    cli()
