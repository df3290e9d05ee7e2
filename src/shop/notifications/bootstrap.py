"""The composition root: settings -> engine -> store, mail transport -> handler -> consumer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.notifications.broker.consumer import Consumer
from shop.notifications.broker.topology import Queues
from shop.notifications.context import Context
from shop.notifications.handling import EventHandler
from shop.notifications.mail.transports import Transport, transport_for
from shop.notifications.settings import NotificationSettings
from shop.notifications.store import DeliveryStore
from shop.notifications.store import migrate as migrate_store


async def migrate(settings: NotificationSettings) -> None:
    """Brings the configured database's schema to head (a no-op when current)."""
    await migrate_store(settings.database_url())


def queues_for(settings: NotificationSettings) -> Queues:
    """The worker's queue, its retry queues and its dead-letter queue, as configured."""
    return Queues(
        main=settings.notification_queue,
        max_attempts=settings.notification_max_attempts,
        auto_delete=settings.notification_queue_auto_delete,
    )


def build(
    settings: NotificationSettings,
    *,
    engine: AsyncEngine | None = None,
    transport: Transport | None = None,
) -> Context:
    """Everything the worker runs, wired from settings (tests pass other parts)."""
    engine = engine or create_engine(settings.database_url())
    transport = transport or transport_for(
        smtp_url=settings.smtp_url, mail_dir=Path(settings.mail_dir)
    )
    deliveries = DeliveryStore(engine)
    handler = EventHandler(
        deliveries=deliveries,
        transport=transport,
        sender=settings.mail_from,
        alert_recipient=settings.alert_recipient,
        claim_lease=timedelta(seconds=settings.notification_claim_seconds),
    )
    consumer = None
    if settings.rabbitmq_url is not None:
        consumer = Consumer(
            handler=handler,
            rabbitmq_url=settings.rabbitmq_url,
            queues=queues_for(settings),
            prefetch=settings.notification_prefetch,
            retry_base_seconds=settings.notification_retry_base_seconds,
        )
    return Context(
        settings=settings,
        engine=engine,
        deliveries=deliveries,
        transport=transport,
        handler=handler,
        consumer=consumer,
    )
