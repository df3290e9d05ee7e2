"""Fixtures: the order service's parts on real PostgreSQL and SQLite, gRPC test doubles."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.common.clock import utcnow
from shop.common.db import create_engine
from shop.common.grpc_server import GrpcServer, start_grpc_server
from shop.orders.bootstrap import build
from shop.orders.context import Context
from shop.orders.peers.clients import ProductClient
from shop.orders.settings import OrderSettings
from shop.orders.store import migrate
from shop.orders.store.models import mock_charges, payments
from shop.orders.store.models import orders as order_rows
from shop.protos.shop.product.v1 import product_pb2_grpc
from shop.protos.shop.user.v1 import user_pb2_grpc
from tests.integration.orders.fakes import FakeProducts, FakeUsers, World

SECRET = "integration-test-secret"
_migrated: set[str] = set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def world() -> AsyncIterator[tuple[World, FakeProducts, int]]:
    state = World()
    # The stubs mark every RPC abstract; the fake serves the ones the order service calls.
    products = FakeProducts(state)  # type: ignore[abstract]
    port = _free_port()

    def register(server: object) -> None:
        user_pb2_grpc.add_UserServiceServicer_to_server(FakeUsers(state), server)
        product_pb2_grpc.add_ProductServiceServicer_to_server(products, server)

    server: GrpcServer = await start_grpc_server(
        port=port, secrets=[SECRET], register=register, service_names=[], host="127.0.0.1"
    )
    yield state, products, port
    await server.server.stop(0)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    if url not in _migrated:
        await migrate(url)
        _migrated.add(url)
    return url


@pytest.fixture
async def orders(
    world: tuple[World, FakeProducts, int], database_url: str, tmp_path: Path
) -> AsyncIterator[Context]:
    _, _, port = world
    settings = OrderSettings(
        gateway_secret=SECRET,
        data_dir=tmp_path,
        rabbitmq_url=None,
        user_service_grpc=f"127.0.0.1:{port}",
        product_service_grpc=f"127.0.0.1:{port}",
        grpc_deadline_seconds=2.0,
        grpc_retry_base_seconds=0.01,
        breaker_failure_threshold=3,
        breaker_reset_seconds=0.5,
        order_recovery_grace_seconds=0,
        idempotency_wait_seconds=5,
    )
    ctx = build(settings, engine=create_engine(database_url))
    yield ctx
    await ctx.aclose()


async def charges_for(ctx: Context, order_id: str) -> list[str]:
    """The mock provider's ledger rows for an order (their statuses)."""
    assert ctx.engine is not None
    async with AsyncSession(ctx.engine) as session:
        rows = await session.scalars(
            select(mock_charges.c.status).where(mock_charges.c.order_id == order_id)
        )
        return list(rows.all())


async def payments_for(ctx: Context, order_id: str) -> list[tuple[str, int]]:
    """Our own record of an order's payment: (status, amount) per row."""
    assert ctx.engine is not None
    async with ctx.engine.connect() as conn:
        query = select(payments.c.status, payments.c.amount).where(payments.c.order_id == order_id)
        return [(r.status, r.amount) for r in await conn.execute(query)]


async def run_out_leases(ctx: Context) -> None:
    """Every order's lease ends now, as when its driver died (or stalled past the lease)."""
    assert ctx.engine is not None
    async with AsyncSession(ctx.engine) as session, session.begin():
        await session.execute(update(order_rows).values(lease_until=utcnow()))


def close_product_breaker(ctx: Context) -> None:
    """The peer is back: let the next call through without waiting for the reset period."""
    assert isinstance(ctx.products, ProductClient)
    ctx.products.peer.breaker.record_success()
