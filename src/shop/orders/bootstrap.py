"""The composition root: settings -> engine -> peers, payments, unit of work, outbox relay
-> Context."""

from __future__ import annotations

import asyncio
import functools

from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.db import create_engine
from shop.common.grpc_client import open_channel
from shop.common.metrics import CIRCUIT_BREAKER_OPEN
from shop.common.pg_driver import PgDatabase
from shop.common.sql_relay import sql_outbox_relay
from shop.orders.context import Context
from shop.orders.faults import FaultInjector
from shop.orders.payments.charges import PaymentProvider
from shop.orders.payments.mock_provider import MockPaymentProvider
from shop.orders.peers.calls import Peer
from shop.orders.peers.clients import ProductClient, UserClient
from shop.orders.peers.resilience import BreakerState, CircuitBreaker, RetryPolicy
from shop.orders.settings import OrderSettings
from shop.orders.store import migrate as migrate_store
from shop.orders.store.models import outbox
from shop.orders.store.pg_unit_of_work import PgUnitOfWork
from shop.orders.store.unit_of_work import SqlUnitOfWork

# The writes' own asyncpg pool on PostgreSQL, beside the engine's (which the reads and the
# outbox relay keep). Most writes hold a connection for one round trip, so a few serve
# many orders in flight, and the server's connection slots (shared by every replica of
# every service) are not spent on idle ones.
PG_WRITES_POOL_SIZE = 10


async def migrate(settings: OrderSettings) -> None:
    """Brings the configured database's schema to head (a no-op when current)."""
    await migrate_store(settings.database_url())


def build(
    settings: OrderSettings,
    *,
    engine: AsyncEngine | None = None,
    payments: PaymentProvider | None = None,
    faults: FaultInjector | None = None,
) -> Context:
    """Everything the process runs, wired from settings (tests pass other parts).

    `await ctx.aclose()` releases the channels and the engine (a passed one too)."""
    engine = engine or create_engine(settings.database_url())
    wake_relay = asyncio.Event()
    pg = (
        PgDatabase(engine, size=PG_WRITES_POOL_SIZE)
        if engine.url.get_driver_name() == "asyncpg"
        else None
    )
    unit_of_work = (
        functools.partial(PgUnitOfWork, engine, pg, wake_relay=wake_relay)
        if pg is not None
        else functools.partial(SqlUnitOfWork, engine, wake_relay=wake_relay)
    )
    secret = settings.gateway_secrets[0]
    channels = {
        "users": open_channel(
            settings.user_service_grpc, secret=secret, service="orders", peer="users"
        ),
        "products": open_channel(
            settings.product_service_grpc, secret=secret, service="orders", peer="products"
        ),
    }
    return Context(
        settings=settings,
        unit_of_work=unit_of_work,
        users=UserClient(channels["users"], _peer(settings, "user", "users")),
        products=ProductClient(channels["products"], _peer(settings, "product", "products")),
        payments=payments or MockPaymentProvider(engine, pg=pg),
        faults=faults or FaultInjector(settings.order_fault_inject),
        engine=engine,
        pg_writes=pg,
        channels=channels,
        wake_relay=wake_relay,
        outbox_relay=sql_outbox_relay(
            settings, engine=engine, outbox=outbox, service="orders", wake=wake_relay
        ),
    )


def _peer(settings: OrderSettings, name: str, label: str) -> Peer:
    breaker = CircuitBreaker(
        name=name,
        threshold=settings.breaker_failure_threshold,
        reset_seconds=settings.breaker_reset_seconds,
    )
    # Read at scrape time: the breaker's state also changes by the clock alone (open ->
    # half-open), with no call to update a gauge.
    CIRCUIT_BREAKER_OPEN.labels("orders", label).set_function(
        lambda: float(breaker.state is BreakerState.OPEN)
    )
    return Peer(
        name=name,
        breaker=breaker,
        retry=RetryPolicy(
            attempts=settings.grpc_retry_attempts,
            base_seconds=settings.grpc_retry_base_seconds,
            max_seconds=settings.grpc_retry_max_seconds,
        ),
        deadline_seconds=settings.grpc_deadline_seconds,
    )
