"""The product service through the gateway (and its gRPC port), as real processes."""

from __future__ import annotations

import uuid
from typing import Any

import grpc

from shop.protos.shop.product.v1 import product_pb2 as pb
from shop.protos.shop.product.v1 import product_pb2_grpc
from tests.support.stack import Stack


def product_body(**overrides: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"E2E Gizmo {tag}",
        "description": "made for end-to-end tests",
        "price": 1500,
        "category": f"e2e-{tag}",
        "sku": f"E2E-{tag}",
        "stock": 4,
        **overrides,
    }


def create(stack: Stack, **overrides: Any) -> dict[str, Any]:
    resp = stack.client.post(
        "/products", json=product_body(**overrides), headers=stack.auth(stack.admin_token())
    )
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


def test_admin_crud_through_the_gateway(stack: Stack) -> None:
    admin = stack.auth(stack.admin_token())
    product = create(stack, attributes={"color": "green", "specs": {"watts": 60}})
    url = f"/products/{product['id']}"
    got = stack.client.get(url)
    assert got.status_code == 200 and got.headers["x-request-id"]
    assert got.json()["data"]["attributes"] == {"color": "green", "specs": {"watts": 60}}
    patched = stack.client.patch(url, json={"price": 1700}, headers=admin)
    assert patched.status_code == 200 and patched.json()["data"]["price"] == 1700
    stock = stack.client.patch(f"{url}/stock", json={"delta": 6}, headers=admin)
    assert stock.status_code == 200 and stock.json()["data"]["stock"] == 10
    short = stack.client.patch(f"{url}/stock", json={"delta": -11}, headers=admin)
    assert short.status_code == 409 and short.json()["success"] is False
    assert stack.client.delete(url, headers=admin).status_code == 200
    missing = stack.client.get(url)
    assert missing.status_code == 404 and missing.json()["requestId"]


def test_public_browse_with_every_filter(stack: Stack) -> None:
    category = f"e2e-browse-{uuid.uuid4().hex[:8]}"
    for name, price, stock, color in [
        ("Browse Teapot", 800, 2, "red"),
        ("Browse Kettle", 2400, 0, "blue"),
        ("Browse Toaster", 4000, 9, "red"),
    ]:
        create(
            stack,
            name=name,
            price=price,
            stock=stock,
            category=category,
            attributes={"color": color},
        )

    def names(**params: Any) -> list[str]:
        resp = stack.client.get("/products", params={"category": category, **params})
        assert resp.status_code == 200, resp.text
        return [p["name"] for p in resp.json()["data"]]

    assert names(searchTerm="kettle") == ["Browse Kettle"]
    assert names(minPrice=1000, maxPrice=4000, sortBy="price", sortOrder="asc") == [
        "Browse Kettle",
        "Browse Toaster",
    ]
    assert sorted(names(inStock="true")) == ["Browse Teapot", "Browse Toaster"]
    assert names(sortBy="name", sortOrder="desc") == [
        "Browse Toaster",
        "Browse Teapot",
        "Browse Kettle",
    ]
    assert sorted(names(**{"attr.color": "red"})) == ["Browse Teapot", "Browse Toaster"]
    page = stack.client.get(
        "/products", params={"category": category, "page": 2, "limit": 2, "sortBy": "price"}
    )
    assert page.json()["meta"] == {"page": 2, "limit": 2, "total": 3}
    injected = stack.client.get("/products", params={"searchTerm": '{"$gt": ""}'})
    assert injected.status_code == 200 and injected.json()["meta"]["total"] == 0


def test_non_admin_writes_are_refused(stack: Stack) -> None:
    product = create(stack)
    user = stack.auth(stack.user_token())
    url = f"/products/{product['id']}"
    assert stack.client.post("/products", json=product_body()).status_code == 401
    assert stack.client.post("/products", json=product_body(), headers=user).status_code == 403
    assert stack.client.patch(url, json={"price": 1}, headers=user).status_code == 403
    assert stack.client.delete(url, headers=user).status_code == 403
    assert stack.client.patch(f"{url}/stock", json={"delta": 1}, headers=user).status_code == 403


def test_validation_errors_come_in_the_envelope(stack: Stack) -> None:
    admin = stack.auth(stack.admin_token())
    resp = stack.client.post("/products", json=product_body(price=9.99), headers=admin)
    assert resp.status_code == 400
    body = resp.json()
    assert body["success"] is False and body["requestId"]
    assert [e["path"] for e in body["errors"]] == ["price"]
    bad_query = stack.client.get("/products", params={"minPrice": "cheap"})
    assert bad_query.status_code == 400
    assert bad_query.json()["errors"][0]["path"] == "minPrice"


async def test_reservation_through_grpc(stack: Stack) -> None:
    product = create(stack, stock=2)
    metadata = (("x-gateway-secret", stack.secret),)
    async with grpc.aio.insecure_channel(stack.grpc_target("products")) as channel:
        stub = product_pb2_grpc.ProductServiceStub(channel)
        order_id = uuid.uuid4().hex
        item = pb.Item(product_id=product["id"], quantity=2)
        request = pb.ReserveInventoryRequest(order_id=order_id, items=[item])
        held = await stub.ReserveInventory(request, metadata=metadata, timeout=10)
        assert held.reservation.status == pb.RESERVATION_STATUS_RESERVED
        await stub.ReduceInventory(
            pb.ReduceInventoryRequest(order_id=order_id), metadata=metadata, timeout=10
        )
        after = await stub.GetProduct(
            pb.GetProductRequest(product_id=product["id"]), metadata=metadata, timeout=10
        )
    assert after.product.stock == 0
