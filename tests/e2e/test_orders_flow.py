"""The order API end to end: gateway, users, products, orders on real PostgreSQL/MariaDB
and RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.events import Queue, bound_queue, first_matching
from tests.support.shopping import (
    charges,
    new_product,
    new_shopper,
    order_body,
    place,
    stock_of,
)
from tests.support.stack import Stack


@pytest.fixture
async def order_events() -> AsyncIterator[Queue]:
    async with bound_queue("order.*") as queue:
        yield queue


async def _events(queue: Queue, order_id: str, want: int) -> list[str]:
    """Types of the first `want` events about `order_id`, or fewer after 15 s."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while len(seen) < want:
        found = await first_matching(
            queue,
            lambda event: event["data"].get("orderId") == order_id,
            within=deadline - loop.time(),
        )
        if found is None:
            break
        seen.append(found[0]["type"])
    return seen


async def test_happy_path_then_cancel(stack: Stack, order_events: Queue) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=5, price=1250)
    resp = place(stack, shopper, [(product, 2)])
    assert resp.status_code == 201, resp.text
    order = resp.json()["data"]
    assert order["status"] == "CONFIRMED" and order["userId"] == shopper.user_id
    assert order["items"] == [{"productId": product, "quantity": 2, "unitPrice": 1250}]
    assert order["total"] == 2500 and order["shippingAddress"]["line1"] == "1 Test Street"
    assert stock_of(stack, product) == 3
    assert charges(stack, order["id"]) == ["SUCCEEDED"]
    fetched = stack.client.get(f"/orders/{order['id']}", headers=shopper.headers)
    assert fetched.status_code == 200 and fetched.json()["data"]["id"] == order["id"]

    cancelled = stack.client.post(f"/orders/{order['id']}/cancel", headers=shopper.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["status"] == "CANCELLED"
    assert stock_of(stack, product) == 5
    assert charges(stack, order["id"]) == ["REFUNDED"]
    again = stack.client.post(f"/orders/{order['id']}/cancel", headers=shopper.headers)
    assert again.status_code == 409
    assert await _events(order_events, order["id"], 2) == ["order.created", "order.cancelled"]


def test_declined_payment_is_402_and_holds_nothing(stack: Stack) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=3)
    resp = place(stack, shopper, [(product, 2)], token="tok_declined")
    assert resp.status_code == 402, resp.text
    assert resp.json()["success"] is False
    assert stock_of(stack, product) == 3
    (order,) = stack.client.get("/orders", headers=shopper.headers).json()["data"]
    assert order["status"] == "FAILED"
    assert charges(stack, order["id"]) == ["DECLINED"]


def test_bad_token_is_400_before_anything_is_stored(stack: Stack) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=3)
    resp = place(stack, shopper, [(product, 1)], token="tok_maybe")
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["path"] == "payment.token"
    assert stack.client.get("/orders", headers=shopper.headers).json()["meta"]["total"] == 0


def test_short_stock_is_409_and_nothing_is_held(stack: Stack) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=1)
    resp = place(stack, shopper, [(product, 2)])
    assert resp.status_code == 409, resp.text
    assert stock_of(stack, product) == 1
    unknown = place(stack, shopper, [(uuid.uuid4().hex, 1)])
    assert unknown.status_code in {400, 404}


def test_idempotent_replay_and_key_reuse(stack: Stack) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=5)
    key = uuid.uuid4().hex
    first = place(stack, shopper, [(product, 1)], key=key)
    replay = place(stack, shopper, [(product, 1)], key=key)
    assert first.status_code == replay.status_code == 201
    assert first.json()["data"]["id"] == replay.json()["data"]["id"]
    assert stock_of(stack, product) == 4
    assert charges(stack, first.json()["data"]["id"]) == ["SUCCEEDED"]
    other = place(stack, shopper, [(product, 2)], key=key)
    assert other.status_code == 409
    declined_key = uuid.uuid4().hex
    codes = {
        place(stack, shopper, [(product, 1)], token="tok_declined", key=declined_key).status_code
        for _ in range(2)
    }
    assert codes == {402}


async def test_concurrent_requests_with_one_key_make_one_order(stack: Stack) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=10)
    key = uuid.uuid4().hex
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/orders",
                    json=order_body(shopper, [(product, 1)]),
                    headers={**shopper.headers, "Idempotency-Key": key},
                )
                for _ in range(5)
            )
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["data"]["id"] for r in responses}) == 1
    assert stock_of(stack, product) == 9


def test_admin_moves_and_other_users(stack: Stack) -> None:
    owner, stranger = new_shopper(stack), new_shopper(stack)
    product = new_product(stack, stock=5)
    order = place(stack, owner, [(product, 1)]).json()["data"]
    admin = Stack.auth(stack.admin_token())
    assert stack.client.get(f"/orders/{order['id']}", headers=stranger.headers).status_code in {
        403,
        404,
    }
    assert stack.client.post(
        f"/orders/{order['id']}/cancel", headers=stranger.headers
    ).status_code in {403, 404}
    assert not any(
        o["id"] == order["id"]
        for o in stack.client.get("/orders", headers=stranger.headers).json()["data"]
    )
    path = f"/orders/{order['id']}/status"
    by_owner = stack.client.patch(path, json={"status": "SHIPPED"}, headers=owner.headers)
    assert by_owner.status_code == 403
    assert stack.client.patch(path, json={"status": "DELIVERED"}, headers=admin).status_code == 409
    for status in ("SHIPPED", "DELIVERED"):
        moved = stack.client.patch(path, json={"status": status}, headers=admin)
        assert moved.status_code == 200, moved.text
        assert moved.json()["data"]["status"] == status
    assert stack.client.patch(path, json={"status": "CANCELLED"}, headers=admin).status_code == 409
    assert stack.client.get(f"/orders/{order['id']}", headers=admin).status_code == 200
    delivered = stack.client.get(
        "/orders", params={"status": "DELIVERED", "limit": 100}, headers=admin
    ).json()
    assert order["id"] in {o["id"] for o in delivered["data"]}
    assert stack.client.get("/orders/not-an-order", headers=admin).status_code == 404


async def test_forty_buyers_for_the_last_five_units(stack: Stack) -> None:
    product = new_product(stack, stock=5)
    shoppers = [new_shopper(stack) for _ in range(40)]
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post("/orders", json=order_body(s, [(product, 1)]), headers=s.headers)
                for s in shoppers
            )
        )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 5, codes
    assert codes.count(409) == 35, codes
    assert stock_of(stack, product) == 0
