"""What the worker runs on, assembled once by `bootstrap.build`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from shop.notifications.broker.consumer import Consumer
from shop.notifications.handling import EventHandler
from shop.notifications.mail.transports import Transport
from shop.notifications.settings import NotificationSettings
from shop.notifications.store import DeliveryStore


@dataclass(kw_only=True, eq=False)
class Context:
    settings: NotificationSettings
    engine: AsyncEngine
    deliveries: DeliveryStore
    # The mail delivery port: SMTP, or the .eml drop under DATA_DIR/mail.
    transport: Transport
    handler: EventHandler
    # None without RABBITMQ_URL: the worker then only serves its health endpoints.
    consumer: Consumer | None

    async def aclose(self) -> None:
        """Releases what `build` opened (the consumer stops with the app's lifespan)."""
        await self.deliveries.close()
        await self.engine.dispose()
