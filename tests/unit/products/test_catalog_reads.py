"""The fast catalog read path: same HTTP behaviour, statements built once per shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from shop.products.api import create_app
from shop.products.bootstrap import build
from shop.products.domain import Product, ProductNotFound, ProductQuery
from shop.products.settings import ProductSettings
from shop.products.stores.sql.catalog import (
    catalog_count,
    catalog_page,
    catalog_params,
    catalog_shape,
)

SECRET = "products-unit-secret"
HEADERS = {"x-gateway-secret": SECRET}
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LAMP = Product(
    id="p1",
    name="Desk Lamp",
    description="A lamp",
    price=3499,
    category="home",
    sku="HOME-LAMP-01",
    stock=22,
    reserved=1,
    sold=2,
    stocked=25,
    low_stock_threshold=5,
    attributes={"color": "brass", "watts": 40.5},
    created_at=NOW,
    updated_at=NOW,
)


class FakeStore:
    """Just the two reads, remembering the query it was asked."""

    def __init__(self) -> None:
        self.queries: list[ProductQuery] = []

    async def get_product(self, product_id: str) -> Product | None:
        return LAMP if product_id == LAMP.id else None

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        self.queries.append(query)
        return [LAMP], 41


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
async def client(store: FakeStore) -> AsyncIterator[httpx.AsyncClient]:
    settings = ProductSettings(gateway_secret=SECRET)
    app = create_app(build(settings, store=store), background=False)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://products") as c:
        yield c


PRODUCT_JSON: dict[str, Any] = {
    "id": "p1",
    "name": "Desk Lamp",
    "description": "A lamp",
    "price": 3499,
    "category": "home",
    "sku": "HOME-LAMP-01",
    "stock": 22,
    "reserved": 1,
    "lowStockThreshold": 5,
    "attributes": {"color": "brass", "watts": 40.5},
    "createdAt": "2024-06-01T12:00:00+00:00",
    "updatedAt": "2024-06-01T12:00:00+00:00",
}


async def test_get_product_body_is_the_envelope(client: httpx.AsyncClient) -> None:
    resp = await client.get("/products/p1", headers=HEADERS)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["x-request-id"]
    assert resp.json() == {"success": True, "message": "OK", "data": PRODUCT_JSON}
    missing = await client.get("/products/nope", headers=HEADERS)
    assert missing.status_code == 404
    assert missing.json()["message"] == ProductNotFound("nope").message


async def test_list_passes_every_parameter(client: httpx.AsyncClient, store: FakeStore) -> None:
    params = {
        "searchTerm": "lamp",
        "category": "home",
        "minPrice": "10",
        "maxPrice": "5000",
        "inStock": "yes",
        "page": "3",
        "limit": "2",
        "sortBy": "price",
        "sortOrder": "asc",
        "attr.color": "brass",
    }
    resp = await client.get("/products", params=params, headers=HEADERS)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "success": True,
        "message": "OK",
        "data": [PRODUCT_JSON],
        "meta": {"page": 3, "limit": 2, "total": 41},
    }
    assert store.queries[-1] == ProductQuery(
        search="lamp",
        category="home",
        min_price=10,
        max_price=5000,
        in_stock=True,
        attributes={"color": ["brass"]},
        page=3,
        limit=2,
        sort_by="price",
        descending=False,
    )
    assert (await client.get("/products", headers=HEADERS)).json()["meta"]["limit"] == 20
    assert store.queries[-1] == ProductQuery()


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"limit": "101"}, "limit"),
        ({"minPrice": "-1"}, "minPrice"),
        ({"maxPrice": "1.5"}, "maxPrice"),
        ({"inStock": "maybe"}, "inStock"),
        ({"sortBy": "sku"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"searchTerm": "x" * 201}, "searchTerm"),
        ({"attr.no$pe": "1"}, "attr.no$pe"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    client: httpx.AsyncClient, query: dict[str, str], path: str
) -> None:
    resp = await client.get("/products", params=query, headers=HEADERS)
    assert resp.status_code == 400
    envelope = resp.json()
    assert envelope["success"] is False and envelope["requestId"]
    assert path in [e["path"] for e in envelope["errors"]]


def test_catalog_parameters_are_documented() -> None:
    settings = ProductSettings(gateway_secret=SECRET)
    app = create_app(build(settings, store=FakeStore()))  # type: ignore[arg-type]
    parameters = app.openapi()["paths"]["/products"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {
        "searchTerm",
        "category",
        "minPrice",
        "maxPrice",
        "inStock",
        "page",
        "limit",
        "sortBy",
        "sortOrder",
    }


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_one_statement_per_query_shape(dialect: str) -> None:
    first = ProductQuery(search="lamp", category="home", attributes={"color": ["red", 1]})
    second = ProductQuery(search="mug", category="toys", attributes={"color": ["blue", 2]}, page=4)
    assert catalog_shape(first) == catalog_shape(second)
    page = catalog_page(catalog_shape(first), dialect=dialect)
    assert page is catalog_page(catalog_shape(second), dialect=dialect)
    assert catalog_page(catalog_shape(ProductQuery(in_stock=True)), dialect=dialect) is not page
    params = catalog_params(second, dialect=dialect)
    assert params["offset"] == 60 and params["limit"] == 20
    assert params["search"] == "%mug%" and params["category"] == "toys"
    if dialect == "postgresql":
        assert params["attr_0_0"] == {"color": "blue"} and params["attr_0_1"] == {"color": 2}
    else:
        assert params["attr_0_0"] == "blue" and params["attr_0_1"] == 2


def test_page_and_total_come_from_one_statement() -> None:
    shape = catalog_shape(ProductQuery(search="50%_off", in_stock=False))
    assert catalog_shape(ProductQuery(search="ab")) != catalog_shape(ProductQuery(search="abc"))
    # SQLAlchemy's dialect classes take no annotated arguments.
    for dialect in (postgresql.dialect(), sqlite.dialect()):  # type: ignore[no-untyped-call]
        sql = str(catalog_page(shape, dialect=dialect.name).compile(dialect=dialect))
        # The total is counted in a subquery that stops at TOTAL_CAP + 1 matches.
        assert "OVER" not in sql and sql.count("LIMIT") == 2 and "OFFSET" in sql
        counted = str(catalog_count(shape, dialect=dialect.name).compile(dialect=dialect))
        assert "OVER" not in counted and "LIMIT" in counted
    params = catalog_params(ProductQuery(search='50%_"Off'), dialect="sqlite")
    assert params["search"] == '%50\\%\\_"off%'
    assert params["fts"] == '"50%_""Off"'  # one FTS5 phrase, its quote doubled
