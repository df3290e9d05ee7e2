"""Composition root: settings -> store -> `Context` (tests pass other parts)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.readiness import Probe, database_probe
from shop.common.relay_loop import RelayLoop
from shop.common.sql_relay import sql_outbox_relay
from shop.products.context import Context
from shop.products.settings import ProductSettings
from shop.products.stores.mongo.outbox import MongoOutboxRelay
from shop.products.stores.mongo.store import MongoProductStore
from shop.products.stores.protocol import ProductStore
from shop.products.stores.sql import migrate as migrate_sql_store
from shop.products.stores.sql.models import outbox
from shop.products.stores.sql.store import SqlProductStore

SERVICE = "products"
# bench/catalog still imports the SQL migration under this name.
migrate_sql = migrate_sql_store


async def migrate(settings: ProductSettings) -> None:
    """Readies the configured store: Alembic on SQL, the indexes on MongoDB (idempotent)."""
    if settings.mongodb_uri:
        mongo = MongoProductStore(settings.mongodb_uri)
        try:
            await mongo.prepare()
        finally:
            await mongo.close()
    else:
        await migrate_sql_store(settings.sql_url())


def build(
    settings: ProductSettings,
    *,
    store: ProductStore | None = None,
    engine: AsyncEngine | None = None,
) -> Context:
    """The context of a migrated store: MongoDB when MONGODB_URI is set, else SQL (on
    `engine` when given). A `store` passed in is used as it is; it was built without this
    context's wake-up, so its relay only polls."""
    wake = asyncio.Event()
    if store is None:
        if settings.mongodb_uri and engine is None:
            store = MongoProductStore(settings.mongodb_uri, wake_relay=wake)
        else:
            store = SqlProductStore(engine or create_engine(settings.sql_url()), wake_relay=wake)
    return Context(
        settings=settings,
        store=store,
        database_probe=_database_probe(store),
        wake_relay=wake,
        outbox_relay=_outbox_relay(store, settings, wake),
    )


def _outbox_relay(
    store: ProductStore, settings: ProductSettings, wake: asyncio.Event
) -> RelayLoop | None:
    if isinstance(store, SqlProductStore):
        return sql_outbox_relay(
            settings, engine=store.engine, outbox=outbox, service=SERVICE, wake=wake
        )
    if isinstance(store, MongoProductStore) and settings.rabbitmq_url is not None:
        return MongoOutboxRelay(
            outbox=store.outbox,
            rabbitmq_url=settings.rabbitmq_url,
            service=SERVICE,
            wake=wake,
            poll_seconds=settings.outbox_poll_seconds,
            retention_hours=settings.outbox_retention_hours,
        )
    return None


def _database_probe(store: ProductStore) -> Probe:
    if isinstance(store, SqlProductStore):
        return database_probe(store.engine)
    if isinstance(store, MongoProductStore):
        mongo = store
        return lambda: mongo.db.command("ping")

    async def unknown() -> None:
        raise NotImplementedError(type(store).__name__)

    return unknown
