"""Helpers for the order end-to-end tests (no tests here): shoppers, products, orders, ledger."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import httpx

from tests.support.stack import Stack


@dataclass(frozen=True)
class Shopper:
    token: str
    user_id: str
    address_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_shopper(stack: Stack) -> Shopper:
    """A registered, logged-in user with one shipping address."""
    token = stack.user_token()
    headers = Stack.auth(token)
    me = stack.client.get("/users/me", headers=headers)
    assert me.status_code == 200, me.text
    address = stack.client.post(
        "/users/me/addresses",
        headers=headers,
        json={
            "line1": "1 Test Street",
            "city": "Testville",
            "postalCode": "12345",
            "country": "US",
            "isDefault": True,
        },
    )
    assert address.status_code == 201, address.text
    return Shopper(token, me.json()["data"]["id"], address.json()["data"]["id"])


def new_product(stack: Stack, *, stock: int, price: int = 1999) -> str:
    resp = stack.client.post(
        "/products",
        headers=Stack.auth(stack.admin_token()),
        json={
            "name": f"E2E product {uuid.uuid4().hex[:6]}",
            "description": "made by the order e2e tests",
            "price": price,
            "category": "e2e",
            "sku": f"E2E-{uuid.uuid4().hex[:12]}",
            "stock": stock,
        },
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def stock_of(stack: Stack, product_id: str) -> int:
    resp = stack.client.get(f"/products/{product_id}")
    assert resp.status_code == 200, resp.text
    return int(resp.json()["data"]["stock"])


def order_body(
    shopper: Shopper, items: list[tuple[str, int]], *, token: str = "tok_ok"
) -> dict[str, Any]:
    return {
        "items": [{"productId": p, "quantity": q} for p, q in items],
        "shippingAddressId": shopper.address_id,
        "payment": {"method": "card", "token": token},
    }


def place(
    stack: Stack,
    shopper: Shopper,
    items: list[tuple[str, int]],
    *,
    token: str = "tok_ok",
    key: str | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    headers = dict(shopper.headers)
    if key:
        headers["Idempotency-Key"] = key
    return (client or stack.client).post(
        "/orders", json=order_body(shopper, items, token=token), headers=headers
    )


def my_orders(stack: Stack, shopper: Shopper) -> list[dict[str, Any]]:
    resp = stack.client.get("/orders", params={"limit": 100}, headers=shopper.headers)
    assert resp.status_code == 200, resp.text
    data: list[dict[str, Any]] = resp.json()["data"]
    return data


def wait_until_settled(stack: Stack, shopper: Shopper, timeout: float = 60) -> list[dict[str, Any]]:
    """The shopper's orders (maybe none) once none is PENDING and every compensation is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        orders = my_orders(stack, shopper)
        ids = [o["id"] for o in orders]
        if all(o["status"] != "PENDING" for o in orders) and unsettled(stack, ids) == 0:
            return orders
        time.sleep(0.5)
    raise AssertionError(f"orders still unsettled after {timeout}s: {my_orders(stack, shopper)}")


def _query(stack: Stack, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(stack.env["POSTGRESQL_URI"])
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    # A thread of its own: callers may be inside the session's running event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def charges(stack: Stack, order_id: str) -> list[str]:
    """The mock payment provider's ledger for one order (statuses, one row per charge)."""
    rows = _query(stack, "SELECT status FROM mock_payment_charges WHERE order_id = $1", order_id)
    return [r["status"] for r in rows]


def unsettled(stack: Stack, order_ids: list[str]) -> int:
    rows = _query(
        stack,
        "SELECT count(*) AS n FROM orders WHERE id = ANY($1::varchar[]) AND "
        "(status = 'PENDING' OR (status IN ('FAILED', 'CANCELLED') AND settled_at IS NULL))",
        order_ids,
    )
    return int(rows[0]["n"])


def assert_ledger_matches(stack: Stack, orders: list[dict[str, Any]]) -> None:
    """Exactly one kept charge per confirmed order, none kept for any other."""
    for order in orders:
        ledger = charges(stack, order["id"])
        assert len(ledger) <= 1, ledger
        if order["status"] == "CONFIRMED":
            assert ledger == ["SUCCEEDED"], (order["id"], ledger)
        else:
            assert "SUCCEEDED" not in ledger, (order["id"], order["status"], ledger)
