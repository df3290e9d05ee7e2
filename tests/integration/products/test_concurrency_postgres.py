"""No oversell under contention, on real PostgreSQL: directly and through gRPC."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import grpc
import pytest

from shop.common.clock import utcnow
from shop.common.grpc_client import open_channel
from shop.common.grpc_server import GrpcServer
from shop.common.ids import new_id
from shop.products.bootstrap import build
from shop.products.domain import Line, OutOfStock
from shop.products.rpc import start_grpc
from shop.products.settings import ProductSettings
from shop.products.stores.sql.store import SqlProductStore
from shop.protos.shop.product.v1 import product_pb2 as pb
from shop.protos.shop.product.v1 import product_pb2_grpc
from tests.integration.products.conftest import assert_balanced, new_product

CONTENDERS = 50
STOCK = 5
SECRET = "products-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_fifty_reservations_against_five_units(pg_store: SqlProductStore) -> None:
    product = await pg_store.create_product(new_product(stock=STOCK, low_stock_threshold=3))
    expires_at = utcnow().replace(year=utcnow().year + 1)

    async def reserve() -> bool:
        try:
            await pg_store.reserve(
                order_id=new_id(), lines=[Line(product.id, 1)], expires_at=expires_at
            )
        except OutOfStock:
            return False
        return True

    results = await asyncio.gather(*(reserve() for _ in range(CONTENDERS)))
    assert sum(results) == STOCK
    after = await pg_store.get_product(product.id)
    assert after is not None
    assert (after.stock, after.reserved) == (0, STOCK)
    assert_balanced(after)


async def test_same_order_id_racing_holds_once(pg_store: SqlProductStore) -> None:
    product = await pg_store.create_product(new_product(stock=STOCK))
    order_id = new_id()
    expires_at = utcnow().replace(year=utcnow().year + 1)
    held = await asyncio.gather(
        *(
            pg_store.reserve(order_id=order_id, lines=[Line(product.id, 2)], expires_at=expires_at)
            for _ in range(10)
        )
    )
    assert len({r.id for r in held}) == 1
    after = await pg_store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (STOCK - 2, 2)


async def test_commit_and_sweeper_racing_never_both_win(pg_store: SqlProductStore) -> None:
    product = await pg_store.create_product(new_product(stock=20))
    for _ in range(10):
        order_id = new_id()
        expires_at = utcnow().replace(year=utcnow().year + 1)
        await pg_store.reserve(
            order_id=order_id, lines=[Line(product.id, 1)], expires_at=expires_at
        )
        past_expiry = expires_at.replace(year=expires_at.year + 1)
        # The commit sees a still-valid reservation; the sweeper sees an expired one.
        await asyncio.gather(
            pg_store.commit_reservation(order_id, now=utcnow()),
            pg_store.expire_due(now=past_expiry),
            return_exceptions=True,
        )
        current = await pg_store.get_product(product.id)
        assert current is not None
        assert_balanced(current)
        assert current.reserved == 0


@pytest.fixture
async def grpc_target(pg_store: SqlProductStore) -> AsyncIterator[str]:
    port = free_port()
    settings = ProductSettings(gateway_secret=SECRET)
    ctx = build(settings, store=pg_store)
    server: GrpcServer = await start_grpc(ctx, port=port, host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


async def test_fifty_reservations_through_grpc(grpc_target: str, pg_store: SqlProductStore) -> None:
    product = await pg_store.create_product(new_product(stock=STOCK))
    channel = open_channel(grpc_target, secret=SECRET)
    stub = product_pb2_grpc.ProductServiceStub(channel)

    async def reserve() -> grpc.StatusCode:
        request = pb.ReserveInventoryRequest(
            order_id=new_id(), items=[pb.Item(product_id=product.id, quantity=1)]
        )
        try:
            await stub.ReserveInventory(request, timeout=30)
        except grpc.aio.AioRpcError as exc:
            assert product.id in (exc.details() or "")
            return exc.code()
        return grpc.StatusCode.OK

    try:
        codes = await asyncio.gather(*(reserve() for _ in range(CONTENDERS)))
    finally:
        await channel.close()
    assert codes.count(grpc.StatusCode.OK) == STOCK
    assert codes.count(grpc.StatusCode.FAILED_PRECONDITION) == CONTENDERS - STOCK
    after = await pg_store.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (0, STOCK)
    assert_balanced(after)
