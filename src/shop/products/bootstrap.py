"""Composition root: settings -> store -> REST app and gRPC server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shop.common.background import running
from shop.common.db import create_engine
from shop.common.grpc_server import GrpcServer, start_grpc_server
from shop.common.http_app import create_service_app
from shop.common.migrations import upgrade_to_head_async
from shop.common.outbox_relay import OutboxRelay
from shop.products.api import router
from shop.products.models import outbox
from shop.products.mongo_outbox import MongoOutboxRelay
from shop.products.mongo_store import MongoProductStore
from shop.products.rpc import SERVICE_NAME, ProductServicer, register
from shop.products.seed import seed_demo_catalog
from shop.products.settings import ProductSettings
from shop.products.sql_store import SqlProductStore
from shop.products.store import ProductStore
from shop.products.sweeper import run_sweeper

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SERVICE = "products"


async def migrate_sql(url: str) -> None:
    """Brings the SQL store's schema to head (a no-op when current)."""
    await upgrade_to_head_async(MIGRATIONS_DIR, url)


async def open_store(settings: ProductSettings, *, wake: asyncio.Event) -> ProductStore:
    """MongoDB when MONGODB_URI is set, else the SQL store (migrated)."""
    if settings.mongodb_uri:
        mongo = MongoProductStore(settings.mongodb_uri, wake_relay=wake)
        await mongo.prepare()
        return mongo
    url = settings.sql_url()
    await migrate_sql(url)
    return SqlProductStore(create_engine(url), wake_relay=wake)


def _relay(
    store: ProductStore, settings: ProductSettings, wake: asyncio.Event
) -> Callable[[], Coroutine[Any, Any, None]] | None:
    if settings.rabbitmq_url is None:
        return None
    if isinstance(store, MongoProductStore):
        mongo = MongoOutboxRelay(
            outbox=store.outbox,
            rabbitmq_url=settings.rabbitmq_url,
            service=SERVICE,
            wake=wake,
            poll_seconds=settings.outbox_poll_seconds,
            retention_hours=settings.outbox_retention_hours,
        )
        return mongo.run
    if isinstance(store, SqlProductStore):
        sql = OutboxRelay(
            engine=store.engine,
            outbox=outbox,
            rabbitmq_url=settings.rabbitmq_url,
            service=SERVICE,
            wake=wake,
            poll_seconds=settings.outbox_poll_seconds,
            retention_hours=settings.outbox_retention_hours,
        )
        return sql.run
    return None


def create_app(
    *,
    settings: ProductSettings,
    store: ProductStore,
    wake: asyncio.Event | None = None,
    background: bool = True,
) -> FastAPI:
    """The REST app; with background, its lifespan seeds, sweeps and relays the outbox."""
    wake = wake or asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loops = []
        if background:
            if settings.seed_demo_data:
                await seed_demo_catalog(store)
            interval = settings.reservation_sweep_seconds
            loops.append(run_sweeper(store=store, interval_seconds=interval))
            relay = _relay(store, settings, wake)
            if relay is not None:
                loops.append(relay())
        async with running(*loops):
            yield

    app = create_service_app(
        service=SERVICE,
        gateway_secrets=settings.gateway_secrets,
        routers=[router],
        lifespan=lifespan,
    )
    app.state.store = store
    return app


async def start_grpc(
    *,
    settings: ProductSettings,
    store: ProductStore,
    port: int | None = None,
    host: str = "0.0.0.0",
) -> GrpcServer:
    servicer = ProductServicer(store=store, default_ttl_seconds=settings.reservation_ttl_seconds)
    return await start_grpc_server(
        port=settings.product_service_grpc_port if port is None else port,
        secrets=settings.gateway_secrets,
        register=lambda server: register(server, servicer),
        service_names=[SERVICE_NAME],
        host=host,
    )
