"""The REST routes in-process: envelope, camelCase, status codes, gateway headers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from shop.orders.api import create_app
from shop.orders.context import Context
from tests.integration.orders.conftest import SECRET
from tests.integration.orders.fakes import FakeProducts, World

Env = tuple[World, FakeProducts, int]


@pytest.fixture
async def client(orders: Context) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(orders, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as c:
        yield c


def as_user(user_id: str, role: str = "user") -> dict[str, str]:
    return {
        "x-gateway-secret": SECRET,
        "x-user-id": user_id,
        "x-user-email": "u@example.com",
        "x-user-role": role,
    }


async def test_rest_order_flow(client: httpx.AsyncClient, world: Env) -> None:
    w, _, _ = world
    (user_id, address_id), product = w.new_user(), w.new_product(price=700, stock=2)
    body = {
        "items": [{"productId": product, "quantity": 2}],
        "shippingAddressId": address_id,
        "payment": {"method": "card", "token": "tok_ok"},
    }
    headers = {**as_user(user_id), "Idempotency-Key": uuid.uuid4().hex}
    created = await client.post("/orders", json=body, headers=headers)
    assert created.status_code == 201, created.text
    order = created.json()["data"]
    assert order["status"] == "CONFIRMED" and order["total"] == 1400 and order["userId"] == user_id
    assert order["items"] == [{"productId": product, "quantity": 2, "unitPrice": 700}]
    assert {"id", "shippingAddress", "createdAt"} <= set(order)
    replay = await client.post("/orders", json=body, headers=headers)
    assert replay.status_code == 201 and replay.json()["data"]["id"] == order["id"]
    other = await client.post("/orders", json={**body, "shippingAddressId": "x"}, headers=headers)
    assert other.status_code == 409

    mine = await client.get("/orders", headers=as_user(user_id))
    assert mine.json()["meta"] == {"page": 1, "limit": 20, "total": 1}
    stranger = await client.get(f"/orders/{order['id']}", headers=as_user("someone"))
    assert stranger.status_code == 404
    assert (await client.get("/orders/%00bad", headers=as_user(user_id))).status_code == 404
    bad_status = await client.get("/orders?status=nope", headers=as_user(user_id))
    assert bad_status.status_code == 400
    refused = await client.patch(
        f"/orders/{order['id']}/status", json={"status": "SHIPPED"}, headers=as_user(user_id)
    )
    assert refused.status_code == 403
    illegal = await client.patch(
        f"/orders/{order['id']}/status",
        json={"status": "PENDING"},
        headers=as_user("admin", "admin"),
    )
    assert illegal.status_code == 409
    cancelled = await client.post(f"/orders/{order['id']}/cancel", headers=as_user(user_id))
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "CANCELLED"
    assert w.products[product].stock == 2


async def test_rest_errors_use_the_envelope(client: httpx.AsyncClient, world: Env) -> None:
    w, _, _ = world
    (user_id, address_id), product = w.new_user(), w.new_product(stock=1)
    body = {
        "items": [{"productId": product, "quantity": 1}],
        "shippingAddressId": address_id,
        "payment": {"method": "card", "token": "tok_declined"},
    }
    declined = await client.post("/orders", json=body, headers=as_user(user_id))
    assert declined.status_code == 402 and declined.json()["success"] is False
    body["payment"] = {"method": "card", "token": "tok_what"}
    invalid = await client.post("/orders", json=body, headers=as_user(user_id))
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["path"] == "payment.token"
    body["items"] = [{"productId": product, "quantity": 0}]
    assert (await client.post("/orders", json=body, headers=as_user(user_id))).status_code == 400
    assert (await client.post("/orders", json=body)).status_code in {401, 403}
