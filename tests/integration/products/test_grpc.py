"""The gRPC ProductService end to end on one process, over the SQLite store."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import orjson
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shop.common.grpc_batch import status_code
from shop.common.grpc_client import open_channel
from shop.common.ids import new_id
from shop.products.bootstrap import build
from shop.products.rpc import start_grpc
from shop.products.settings import ProductSettings
from shop.products.stores.sql.store import SqlProductStore
from shop.protos.shop.product.v1 import product_pb2 as pb
from shop.protos.shop.product.v1 import product_pb2_grpc
from tests.integration.products.conftest import new_product, sqlite_store

SECRET = "products-grpc-secret"


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[SqlProductStore]:
    built = await sqlite_store(tmp_path / "products.db")
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def target(sqlite: SqlProductStore) -> AsyncIterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = ProductSettings(gateway_secret=SECRET, reservation_ttl_seconds=60)
    server = await start_grpc(build(settings, store=sqlite), port=port, host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


@pytest.fixture
async def stub(target: str) -> AsyncIterator[product_pb2_grpc.ProductServiceStub]:
    channel = open_channel(target, secret=SECRET)
    try:
        yield product_pb2_grpc.ProductServiceStub(channel)
    finally:
        await channel.close()


async def code_of(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call  # type: ignore[misc]
    return failed.value.code()


async def test_get_and_check(
    stub: product_pb2_grpc.ProductServiceStub, sqlite: SqlProductStore
) -> None:
    product = await sqlite.create_product(new_product(price=1234, attributes={"color": "red"}))
    got = (await stub.GetProduct(pb.GetProductRequest(product_id=product.id))).product
    assert (got.price, got.sku) == (1234, product.sku)
    assert orjson.loads(got.attributes_json) == {"color": "red"}
    assert await code_of(stub.GetProduct(pb.GetProductRequest(product_id="nope"))) == (
        grpc.StatusCode.NOT_FOUND
    )
    unknown = new_id()
    report = await stub.CheckInventory(
        pb.CheckInventoryRequest(
            items=[
                pb.Item(product_id=product.id, quantity=3),
                pb.Item(product_id=unknown, quantity=1),
            ]
        )
    )
    assert report.all_available is False
    first, second = report.items
    assert (first.available, first.in_stock, first.unit_price, first.found) == (
        10,
        True,
        1234,
        True,
    )
    assert (second.found, second.in_stock) == (False, False)


async def test_reservation_lifecycle(
    stub: product_pb2_grpc.ProductServiceStub, sqlite: SqlProductStore
) -> None:
    product = await sqlite.create_product(new_product(stock=4))
    order_id = new_id()
    request = pb.ReserveInventoryRequest(
        order_id=order_id, items=[pb.Item(product_id=product.id, quantity=3)]
    )
    held = (await stub.ReserveInventory(request)).reservation
    again = (await stub.ReserveInventory(request)).reservation
    assert held.reservation_id == again.reservation_id
    assert held.status == pb.RESERVATION_STATUS_RESERVED and held.expires_at
    reduce = pb.ReduceInventoryRequest(order_id=order_id)
    for _ in range(2):
        done = (await stub.ReduceInventory(reduce)).reservation
        assert done.status == pb.RESERVATION_STATUS_COMMITTED
    release = pb.ReleaseInventoryRequest(order_id=order_id)
    for _ in range(2):
        back = (await stub.ReleaseInventory(release)).reservation
        assert back.status == pb.RESERVATION_STATUS_RELEASED
    assert await code_of(stub.ReduceInventory(reduce)) == grpc.StatusCode.FAILED_PRECONDITION
    after = await sqlite.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (4, 0, 0)


async def test_a_reservation_answers_prices_and_names(
    stub: product_pb2_grpc.ProductServiceStub, sqlite: SqlProductStore
) -> None:
    a = await sqlite.create_product(new_product(stock=4))
    b = await sqlite.create_product(new_product(stock=4))
    request = pb.ReserveInventoryRequest(
        order_id=new_id(),
        items=[pb.Item(product_id=b.id, quantity=1), pb.Item(product_id=a.id, quantity=2)],
    )
    expected = {(p.id, p.price, p.name) for p in (a, b)}
    for _ in range(2):  # a repeated call (a retry) answers them too
        prices = (await stub.ReserveInventory(request)).prices
        assert {(p.product_id, p.unit_price, p.name) for p in prices} == expected
    gone = pb.Item(product_id=new_id(), quantity=1)
    unknown = stub.ReserveInventory(
        pb.ReserveInventoryRequest(order_id=new_id(), items=[request.items[0], gone])
    )
    assert await code_of(unknown) == grpc.StatusCode.NOT_FOUND
    after = await sqlite.get_product(b.id)
    assert after is not None and (after.stock, after.reserved) == (3, 1)  # nothing more held


async def test_bad_reservations(
    stub: product_pb2_grpc.ProductServiceStub, sqlite: SqlProductStore
) -> None:
    product = await sqlite.create_product(new_product(stock=1))
    item = pb.Item(product_id=product.id, quantity=2)
    short = stub.ReserveInventory(pb.ReserveInventoryRequest(order_id=new_id(), items=[item]))
    assert await code_of(short) == grpc.StatusCode.FAILED_PRECONDITION
    empty = stub.ReserveInventory(pb.ReserveInventoryRequest(order_id=new_id()))
    assert await code_of(empty) == grpc.StatusCode.INVALID_ARGUMENT
    zero = pb.Item(product_id=product.id, quantity=0)
    bad = stub.ReserveInventory(pb.ReserveInventoryRequest(order_id=new_id(), items=[zero]))
    assert await code_of(bad) == grpc.StatusCode.INVALID_ARGUMENT
    missing = pb.Item(product_id=new_id(), quantity=1)
    gone = stub.ReserveInventory(pb.ReserveInventoryRequest(order_id=new_id(), items=[missing]))
    assert await code_of(gone) == grpc.StatusCode.NOT_FOUND
    unknown = stub.ReleaseInventory(pb.ReleaseInventoryRequest(order_id=new_id()))
    assert await code_of(unknown) == grpc.StatusCode.NOT_FOUND


async def test_a_batch_answers_each_item_as_its_own_call_would(
    stub: product_pb2_grpc.ProductServiceStub, sqlite: SqlProductStore
) -> None:
    product = await sqlite.create_product(new_product(stock=3))
    ok, short, unknown, empty = (new_id() for _ in range(4))
    reserve = pb.ReserveInventoryBatchRequest(
        requests=[
            pb.ReserveInventoryRequest(
                order_id=ok, items=[pb.Item(product_id=product.id, quantity=2)]
            ),
            pb.ReserveInventoryRequest(
                order_id=short, items=[pb.Item(product_id=product.id, quantity=9)]
            ),
            pb.ReserveInventoryRequest(
                order_id=unknown, items=[pb.Item(product_id=new_id(), quantity=1)]
            ),
            pb.ReserveInventoryRequest(order_id=empty),
        ],
        request_ids=["the-first-only"],
    )
    reply = await stub.ReserveInventoryBatch(reserve)
    assert [status_code(o.status.code) for o in reply.outcomes] == [
        grpc.StatusCode.OK,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
    ]
    held = reply.outcomes[0].response
    assert held.reservation.status == pb.RESERVATION_STATUS_RESERVED
    assert [(p.product_id, p.unit_price) for p in held.prices] == [(product.id, product.price)]
    assert all(not o.HasField("response") and o.status.message for o in reply.outcomes[1:])
    after = await sqlite.get_product(product.id)
    assert after is not None and (after.stock, after.reserved) == (1, 2)  # only `ok` holds
    reduce = pb.ReduceInventoryBatchRequest(
        requests=[pb.ReduceInventoryRequest(order_id=i) for i in (ok, short, ok)]
    )
    outcomes = (await stub.ReduceInventoryBatch(reduce)).outcomes
    assert [status_code(o.status.code) for o in outcomes] == [
        grpc.StatusCode.OK,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.OK,  # committing twice is committing once
    ]
    assert outcomes[0].response.reservation.status == pb.RESERVATION_STATUS_COMMITTED
    after = await sqlite.get_product(product.id)
    assert after is not None and (after.stock, after.reserved, after.sold) == (1, 0, 2)


async def test_health_without_secret_products_only_with_it(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "shop.product.v1.ProductService"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stub = product_pb2_grpc.ProductServiceStub(channel)
        refused = stub.GetProduct(pb.GetProductRequest(product_id="x"))
        assert await code_of(refused) == grpc.StatusCode.UNAUTHENTICATED
