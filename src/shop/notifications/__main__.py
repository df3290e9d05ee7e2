"""`python -m shop.notifications`: the notification worker.

`python -m shop.notifications replay-dlq` moves dead letters back to its queue and exits.
"""

from __future__ import annotations

import argparse

from shop.common.logging import configure_logging, get_logger
from shop.common.runner import run
from shop.common.service_main import serve_service
from shop.notifications import bootstrap
from shop.notifications.broker.dlq import replay_dead_letters
from shop.notifications.context import Context
from shop.notifications.http import create_app
from shop.notifications.settings import NotificationSettings

log = get_logger("shop.notifications")


async def announce(ctx: Context) -> None:
    log.info("mail_goes_to", transport=ctx.transport.description)
    if ctx.consumer is None:
        log.warning("no_broker_configured")


async def main() -> None:
    settings = NotificationSettings()
    await serve_service(
        service="notifications",
        settings=settings,
        migrate=bootstrap.migrate,
        build=bootstrap.build,
        create_app=create_app,
        rest_port=settings.notification_port,
        on_start=announce,
    )


async def replay_dlq() -> None:
    settings = NotificationSettings()
    configure_logging(service="notifications", level=settings.log_level)
    if settings.rabbitmq_url is None:
        raise SystemExit("replay-dlq: RABBITMQ_URL is not set")
    queues = bootstrap.queues_for(settings)
    moved = await replay_dead_letters(rabbitmq_url=settings.rabbitmq_url, queues=queues)
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
