"""Steady mixed load through the gateway: browse, register, log in, order, cancel, restock.

Every request's outcome is recorded with its time, so that a 5xx or a dropped connection can
be matched to the fault that explains it.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

ORDER_RETRIES = 4  # what a careful client does: the same Idempotency-Key, after a pause


@dataclass(frozen=True)
class Outcome:
    at: float  # seconds since the run started
    action: str
    status: int | None  # None: no response (the connection dropped or timed out)
    error: str | None = None


@dataclass
class Shopper:
    headers: dict[str, str]
    address_id: str
    orders: list[str] = field(default_factory=list)


@dataclass
class LoadState:
    """What the load did, and what it knows the platform must now hold."""

    started: float
    products: list[str] = field(default_factory=list)
    stocked: dict[str, int] = field(default_factory=dict)  # units stocked, as acknowledged
    unsure_stock: set[str] = field(default_factory=set)  # a stock change without an answer
    shoppers: list[Shopper] = field(default_factory=list)
    order_keys: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    issued_secrets: list[str] = field(default_factory=list)
    admin_headers: dict[str, str] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.started


async def _call(
    client: httpx.AsyncClient, state: LoadState, action: str, method: str, url: str, **kw: Any
) -> httpx.Response | None:
    try:
        resp = await client.request(method, url, **kw)
    except httpx.TransportError as exc:
        state.outcomes.append(Outcome(state.now(), action, None, type(exc).__name__))
        return None
    state.outcomes.append(Outcome(state.now(), action, resp.status_code))
    return resp


async def seed_products(client: httpx.AsyncClient, state: LoadState, count: int) -> None:
    """A few scarce products, so that buyers compete and some orders run out of stock."""
    for index in range(count):
        stock = 30 + 10 * index
        resp = await client.post(
            "/products",
            headers=state.admin_headers,
            json={
                "name": f"Chaos product {index}",
                "price": 500 + 100 * index,
                "category": "chaos",
                "sku": f"CHAOS-{uuid.uuid4().hex[:10]}",
                "stock": stock,
                "lowStockThreshold": 5,
            },
        )
        assert resp.status_code == 201, resp.text
        product_id = str(resp.json()["data"]["id"])
        state.products.append(product_id)
        state.stocked[product_id] = stock


async def register(client: httpx.AsyncClient, state: LoadState, rng: random.Random) -> None:
    email = f"chaos-{uuid.uuid4().hex[:12]}@example.com"
    password = uuid.uuid4().hex
    state.issued_secrets.append(password)
    body = {"email": email, "password": password, "name": "Chaos Shopper"}
    if (await _call(client, state, "register", "POST", "/auth/register", json=body)) is None:
        return
    login = await _call(
        client, state, "login", "POST", "/auth/login", json={"email": email, "password": password}
    )
    if login is None or login.status_code != 200:
        return
    data = login.json()["data"]
    state.issued_secrets += [data["accessToken"], data["refreshToken"]]
    headers = {"Authorization": f"Bearer {data['accessToken']}"}
    address = {"line1": "1 Chaos Road", "city": "Entropy", "postalCode": "00000", "country": "US"}
    resp = await _call(
        client, state, "add address", "POST", "/users/me/addresses", json=address, headers=headers
    )
    if resp is not None and resp.status_code == 201:
        state.shoppers.append(Shopper(headers, str(resp.json()["data"]["id"])))


async def place_order(client: httpx.AsyncClient, state: LoadState, rng: random.Random) -> None:
    shopper = rng.choice(state.shoppers)
    chosen = rng.sample(state.products, k=rng.randint(1, 2))
    body = {
        "items": [{"productId": p, "quantity": rng.randint(1, 3)} for p in chosen],
        "shippingAddressId": shopper.address_id,
        "payment": {"method": "card", "token": "tok_declined" if rng.random() < 0.1 else "tok_ok"},
    }
    key = uuid.uuid4().hex
    state.order_keys.append(key)
    headers = {**shopper.headers, "Idempotency-Key": key}
    for attempt in range(ORDER_RETRIES):
        resp = await _call(client, state, "order", "POST", "/orders", json=body, headers=headers)
        if resp is not None and resp.status_code < 500:
            if resp.status_code == 201:
                shopper.orders.append(str(resp.json()["data"]["id"]))
            return
        await asyncio.sleep(1 + attempt)


async def cancel_order(client: httpx.AsyncClient, state: LoadState, rng: random.Random) -> None:
    shopper = rng.choice(state.shoppers)
    if shopper.orders:
        order_id = rng.choice(shopper.orders)
        url = f"/orders/{order_id}/cancel"
        await _call(client, state, "cancel", "POST", url, headers=shopper.headers)


async def restock(client: httpx.AsyncClient, state: LoadState, rng: random.Random) -> None:
    product = rng.choice(state.products)
    delta = rng.randint(1, 6)
    url = f"/products/{product}/stock"
    resp = await _call(
        client, state, "restock", "PATCH", url, json={"delta": delta}, headers=state.admin_headers
    )
    if resp is None or resp.status_code >= 500:
        state.unsure_stock.add(product)
    elif resp.status_code == 200:
        state.stocked[product] += delta


async def browse(client: httpx.AsyncClient, state: LoadState, rng: random.Random) -> None:
    if rng.random() < 0.5:
        params = {"limit": rng.choice([5, 20]), "category": "chaos", "sortBy": "price"}
        await _call(client, state, "browse", "GET", "/products", params=params)
    else:
        await _call(client, state, "view", "GET", f"/products/{rng.choice(state.products)}")


Action = Callable[[httpx.AsyncClient, LoadState, random.Random], Awaitable[None]]
ACTIONS: list[Action] = [browse, place_order, register, cancel_order, restock]
WEIGHTS = [40, 30, 8, 10, 7]


async def virtual_user(
    client: httpx.AsyncClient, state: LoadState, rng: random.Random, until: float
) -> None:
    """One client's loop of weighted actions with short pauses, until `until` (run time)."""
    while state.now() < until:
        action = rng.choices(ACTIONS, weights=WEIGHTS)[0]
        if not state.shoppers:
            action = register
        await action(client, state, rng)
        await asyncio.sleep(rng.uniform(0.05, 0.3))
