"""The outbox relay a service with a SQL outbox runs, built once by its `bootstrap`."""

from __future__ import annotations

import asyncio

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.outbox_relay import OutboxRelay
from shop.common.settings import CommonSettings


def sql_outbox_relay(
    settings: CommonSettings,
    *,
    engine: AsyncEngine,
    outbox: Table,
    service: str,
    wake: asyncio.Event,
) -> OutboxRelay | None:
    """The relay over `outbox` as configured; None without a broker (RABBITMQ_URL unset),
    when events stay in the outbox."""
    if settings.rabbitmq_url is None:
        return None
    return OutboxRelay(
        engine=engine,
        outbox=outbox,
        rabbitmq_url=settings.rabbitmq_url,
        service=service,
        wake=wake,
        poll_seconds=settings.outbox_poll_seconds,
        retention_hours=settings.outbox_retention_hours,
    )
