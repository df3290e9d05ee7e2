"""The REST API in-process (ASGI) over the SQLite store: envelope, roles, filters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shop.products.api import create_app
from shop.products.bootstrap import build
from shop.products.settings import ProductSettings
from tests.integration.products.conftest import sqlite_store

SECRET = "products-rest-secret"
ADMIN = {"x-gateway-secret": SECRET, "x-user-id": "a1", "x-user-role": "admin"}
USER = {"x-gateway-secret": SECRET, "x-user-id": "u1", "x-user-role": "user"}
ANON = {"x-gateway-secret": SECRET}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    store = await sqlite_store(tmp_path / "products.db")
    ctx = build(ProductSettings(gateway_secret=SECRET), store=store)
    app = create_app(ctx, background=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://products") as c:
            yield c
    finally:
        await store.close()


def body(**overrides: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Gadget {tag}",
        "price": 2500,
        "category": "gadgets",
        "sku": f"GAD-{tag}",
        "stock": 5,
        **overrides,
    }


async def test_admin_crud(client: httpx.AsyncClient) -> None:
    created = await client.post("/products", json=body(attributes={"a": {"b": [1]}}), headers=ADMIN)
    assert created.status_code == 201, created.text
    product = created.json()["data"]
    assert product["attributes"] == {"a": {"b": [1]}} and product["lowStockThreshold"] == 0
    url = f"/products/{product['id']}"
    patched = await client.patch(url, json={"price": 999, "lowStockThreshold": 2}, headers=ADMIN)
    assert patched.json()["data"]["price"] == 999
    stock = await client.patch(f"{url}/stock", json={"delta": -5}, headers=ADMIN)
    assert stock.json()["data"]["stock"] == 0
    short = await client.patch(f"{url}/stock", json={"delta": -1}, headers=ADMIN)
    assert short.status_code == 409 and short.json()["success"] is False
    assert (await client.patch(f"{url}/stock", json={"stock": 7}, headers=ADMIN)).status_code == 200
    assert (await client.patch(f"{url}/stock", json={"stock": -1}, headers=ADMIN)).status_code in {
        400,
        409,
    }
    assert (await client.delete(url, headers=ADMIN)).status_code == 200
    assert (await client.get(url, headers=ANON)).status_code == 404


async def test_writes_need_an_admin(client: httpx.AsyncClient) -> None:
    assert (await client.post("/products", json=body(), headers=ANON)).status_code == 401
    assert (await client.post("/products", json=body(), headers=USER)).status_code == 403
    made = (await client.post("/products", json=body(), headers=ADMIN)).json()["data"]
    url = f"/products/{made['id']}"
    assert (await client.patch(url, json={"price": 1}, headers=USER)).status_code == 403
    assert (await client.delete(url, headers=USER)).status_code == 403
    assert (await client.patch(f"{url}/stock", json={"delta": 1}, headers=USER)).status_code == 403


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        (body(price=10.5), "price"),
        (body(price="100"), "price"),
        (body(price=-1), "price"),
        ({k: v for k, v in body().items() if k != "sku"}, "sku"),
        (body(attributes=[1, 2]), "attributes"),
        (body(stock={"$gt": 0}), "stock"),
    ]
    for payload, field in cases:
        resp = await client.post("/products", json=payload, headers=ADMIN)
        assert resp.status_code == 400, (payload, resp.text)
        envelope = resp.json()
        assert envelope["success"] is False and envelope["requestId"]
        assert field in [e["path"] for e in envelope["errors"]]
    made = (await client.post("/products", json=body(), headers=ADMIN)).json()["data"]
    both = await client.patch(
        f"/products/{made['id']}/stock", json={"delta": 1, "stock": 2}, headers=ADMIN
    )
    assert both.status_code == 400
    dup = await client.post("/products", json=body(sku=made["sku"]), headers=ADMIN)
    assert dup.status_code == 409


async def test_browse_with_every_filter(client: httpx.AsyncClient) -> None:
    cat = f"cat-{uuid.uuid4().hex[:8]}"
    for name, price, stock, attrs in [
        ("Alpha Lamp", 100, 3, {"color": "red"}),
        ("Beta Lamp", 200, 0, {"color": "blue"}),
        ("Gamma Chair", 300, 1, {"color": "red", "legs": 4}),
    ]:
        payload = body(name=name, price=price, stock=stock, category=cat, attributes=attrs)
        assert (await client.post("/products", json=payload, headers=ADMIN)).status_code == 201

    async def names(**params: Any) -> list[str]:
        resp = await client.get("/products", params={"category": cat, **params}, headers=ANON)
        assert resp.status_code == 200, resp.text
        return [p["name"] for p in resp.json()["data"]]

    assert await names(searchTerm="lamp", sortBy="name", sortOrder="asc") == [
        "Alpha Lamp",
        "Beta Lamp",
    ]
    assert await names(minPrice=150, maxPrice=300, sortBy="price", sortOrder="desc") == [
        "Gamma Chair",
        "Beta Lamp",
    ]
    assert sorted(await names(inStock="true")) == ["Alpha Lamp", "Gamma Chair"]
    assert await names(inStock="false") == ["Beta Lamp"]
    assert sorted(await names(**{"attr.color": "red"})) == ["Alpha Lamp", "Gamma Chair"]
    assert await names(**{"attr.legs": "4"}) == ["Gamma Chair"]
    page = await client.get(
        "/products",
        params={"category": cat, "limit": 2, "page": 2, "sortBy": "price"},
        headers=ANON,
    )
    assert page.json()["meta"] == {"page": 2, "limit": 2, "total": 3}


async def test_operator_injection_and_bad_ids_gain_nothing(client: httpx.AsyncClient) -> None:
    made = await client.post("/products", json=body(), headers=ADMIN)
    assert made.status_code == 201
    for params in [
        {"searchTerm": '{"$gt": ""}'},
        {"category": '{"$ne": null}'},
        {"minPrice[$gt]": "0", "category": "none-such"},
        {"attr.color": '{"$ne": null}'},
    ]:
        resp = await client.get("/products", params=params, headers=ANON)
        assert resp.status_code == 200 and resp.json()["meta"]["total"] == 0, params
    for params in [
        {"minPrice": "abc"},
        {"inStock": "maybe"},
        {"sortBy": "sku"},
        {"attr.$where": "1"},
    ]:
        resp = await client.get("/products", params=params, headers=ANON)
        assert resp.status_code == 400, params
        assert resp.json()["errors"][0]["path"]
    for bad_id in ["not-a-uuid", "%7B%22%24gt%22%3A%22%22%7D", "0" * 300]:
        resp = await client.get(f"/products/{bad_id}", headers=ANON)
        assert resp.status_code == 404 and resp.json()["success"] is False
