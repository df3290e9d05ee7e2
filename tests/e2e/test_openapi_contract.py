"""Each service's /openapi.json is its real API: every route, called for real, answers with
a status its document lists and a body that fits the schema documented for that status.

Calls go straight to each running service with the gateway secret and the identity headers
the gateway would forward, so the body checked is the one the service wrote. Every route must
have a success and (when it documents errors) an error checked, so a new route cannot slip in
undocumented.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.openapi_contract import (
    ADDRESS,
    ADMIN,
    NOBODY,
    DocumentedApi,
    new_product,
    register_user,
    tag,
)
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def apis(stack: Stack) -> dict[str, DocumentedApi]:
    return {
        name: DocumentedApi(stack.url(name), secret=stack.secret)
        for name in ("users", "products", "orders")
    }


def test_documents_promise_only_json_bodies_the_services_send(
    apis: dict[str, DocumentedApi],
) -> None:
    # Validation failures are 400 here, so FastAPI's stock 422 would be a false promise.
    for name, api in apis.items():
        for template, operations in api.document["paths"].items():
            for method, operation in operations.items():
                where = f"{name}: {method.upper()} {template}"
                assert "422" not in operation["responses"], where
                for status, response in operation["responses"].items():
                    assert "schema" in response["content"]["application/json"], (where, status)


def test_users_answers_are_the_documented_ones(apis: dict[str, DocumentedApi]) -> None:
    users = apis["users"]
    users.call("GET", "/health", expect=200, with_secret=False)
    user, session = register_user(users)
    email = user.email
    users.call(
        "POST",
        "/auth/register",
        expect=409,
        json={"email": email, "password": "x" * 12, "name": "Dup"},
    )
    users.call("POST", "/auth/register", expect=400, json={"email": "not-an-email"})
    users.call("POST", "/auth/login", expect=401, json={"email": email, "password": "wrong-pass-1"})
    users.call("POST", "/auth/login", expect=400, json={})
    users.call("POST", "/auth/login", expect=401, with_secret=False, json={})
    refreshed = users.call(
        "POST", "/auth/refresh", expect=200, json={"refreshToken": session["refreshToken"]}
    )["data"]
    users.call("POST", "/auth/refresh", expect=401, json={"refreshToken": session["refreshToken"]})
    users.call("POST", "/auth/refresh", expect=400, json={"refreshToken": ""})
    logout = {"refreshToken": refreshed["refreshToken"]}
    users.call("POST", "/auth/logout", expect=401, json=logout)
    users.call("POST", "/auth/logout", expect=400, caller=user, json={})
    users.call("POST", "/auth/logout", expect=200, caller=user, json=logout)

    users.call("GET", "/users/me", expect=200, caller=user)
    users.call("GET", "/users/me", expect=404, caller=NOBODY)
    users.call("PATCH", "/users/me", expect=200, caller=user, json={"phone": "+1 555 0100"})
    users.call("PATCH", "/users/me", expect=200, caller=user, json={"phone": None})
    users.call("PATCH", "/users/me", expect=400, caller=user, json={"name": None})
    users.call("PATCH", "/users/me", expect=404, caller=NOBODY, json={"name": "Ghost"})

    mine = "/users/me/addresses"
    users.call("GET", mine, expect=404, caller=NOBODY)
    users.call("POST", mine, expect=400, caller=user, json={"city": "Nowhere"})
    users.call("POST", mine, expect=404, caller=NOBODY, json=ADDRESS)
    first = users.call("POST", mine, expect=201, caller=user, json=ADDRESS)["data"]
    users.call("POST", mine, expect=201, caller=user, json={**ADDRESS, "state": "CA", "line2": "B"})
    assert len(users.call("GET", mine, expect=200, caller=user)["data"]) == 2
    one = mine + "/{address_id}"
    where = {"address_id": first["id"]}
    users.call("PATCH", one, path=where, expect=200, caller=user, json={"line2": "Flat 2"})
    users.call("PATCH", one, path=where, expect=400, caller=user, json={"city": ""})
    users.call("PATCH", one, path={"address_id": "missing"}, expect=404, caller=user, json={})
    users.call("DELETE", one, path=where, expect=200, caller=user)
    users.call("DELETE", one, path=where, expect=404, caller=user)

    users.call("GET", "/users", expect=200, caller=ADMIN, params={"page": 1, "limit": 2})
    users.call("GET", "/users", expect=403, caller=user)
    users.call("GET", "/users", expect=400, caller=ADMIN, params={"limit": 0})
    assert users.unchecked() == []


def test_products_answers_are_the_documented_ones(apis: dict[str, DocumentedApi]) -> None:
    products = apis["products"]
    products.call("GET", "/health", expect=200, with_secret=False)
    product = new_product(products)
    duplicate = {k: product[k] for k in ("name", "price", "category", "sku", "stock")}
    products.call("POST", "/products", expect=409, caller=ADMIN, json=duplicate)
    products.call("POST", "/products", expect=400, caller=ADMIN, json={"name": "No price"})
    products.call("POST", "/products", expect=403, caller=NOBODY, json=duplicate)
    products.call("POST", "/products", expect=401, with_secret=False, json=duplicate)

    # The read path answers with bytes it serialised itself: the check is all that holds it.
    found = products.call(
        "GET", "/products", expect=200, params={"category": product["category"], "attr.size": "42"}
    )
    assert [p["id"] for p in found["data"]] == [product["id"]]
    products.call("GET", "/products", expect=200, params={"category": f"none-{tag()}"})
    products.call("GET", "/products", expect=400, params={"limit": 0})
    products.call("GET", "/products", expect=400, params={"attr.bad name": "x"})
    one = "/products/{product_id}"
    where = {"product_id": product["id"]}
    products.call("GET", one, path=where, expect=200)
    products.call("GET", one, path={"product_id": "missing"}, expect=404)

    products.call("PATCH", one, path=where, expect=200, caller=ADMIN, json={"price": 1300})
    products.call("PATCH", one, path=where, expect=400, caller=ADMIN, json={"price": -1})
    products.call("PATCH", one, path=where, expect=403, caller=NOBODY, json={"price": 1})
    other = new_product(products)
    products.call("PATCH", one, path=where, expect=409, caller=ADMIN, json={"sku": other["sku"]})
    products.call("PATCH", one, path={"product_id": "missing"}, expect=404, caller=ADMIN, json={})

    stock = one + "/stock"
    products.call("PATCH", stock, path=where, expect=200, caller=ADMIN, json={"delta": 3})
    products.call("PATCH", stock, path=where, expect=200, caller=ADMIN, json={"stock": 1})
    products.call("PATCH", stock, path=where, expect=409, caller=ADMIN, json={"delta": -2})
    products.call("PATCH", stock, path=where, expect=400, caller=ADMIN, json={})
    products.call("PATCH", stock, path=where, expect=403, caller=NOBODY, json={"delta": 1})
    missing = {"product_id": "missing"}
    products.call("PATCH", stock, path=missing, expect=404, caller=ADMIN, json={"delta": 1})

    products.call("DELETE", one, path=where, expect=403, caller=NOBODY)
    products.call("DELETE", one, path=where, expect=200, caller=ADMIN)
    products.call("DELETE", one, path=where, expect=404, caller=ADMIN)
    assert products.unchecked() == []


def test_orders_answers_are_the_documented_ones(apis: dict[str, DocumentedApi]) -> None:
    users, products, orders = apis["users"], apis["products"], apis["orders"]
    orders.call("GET", "/health", expect=200, with_secret=False)
    shopper, _ = register_user(users)
    address = users.call("POST", "/users/me/addresses", expect=201, caller=shopper, json=ADDRESS)
    product = new_product(products, stock=5)

    def order(quantity: int = 1, token: str = "tok_ok", **changes: Any) -> dict[str, Any]:
        body = {
            "items": [{"productId": product["id"], "quantity": quantity}],
            "shippingAddressId": address["data"]["id"],
            "payment": {"method": "card", "token": token},
        }
        return body | changes

    placed = orders.call("POST", "/orders", expect=201, caller=shopper, json=order())["data"]
    assert placed["status"] == "CONFIRMED"
    orders.call("POST", "/orders", expect=402, caller=shopper, json=order(token="tok_declined"))
    orders.call("POST", "/orders", expect=400, caller=shopper, json=order(token="tok_unknown"))
    orders.call("POST", "/orders", expect=400, caller=shopper, json={"items": []})
    orders.call("POST", "/orders", expect=409, caller=shopper, json=order(quantity=50))
    orders.call("POST", "/orders", expect=401, json=order())
    ghost = order(items=[{"productId": "missing", "quantity": 1}])
    orders.call("POST", "/orders", expect=404, caller=shopper, json=ghost)
    key = {"Idempotency-Key": f"contract-{tag()}"}
    orders.call("POST", "/orders", expect=201, caller=shopper, json=order(), headers=key)
    orders.call("POST", "/orders", expect=409, caller=shopper, json=order(2), headers=key)

    listed = orders.call("GET", "/orders", expect=200, caller=shopper, params={"limit": 5})
    assert placed["id"] in {o["id"] for o in listed["data"]}
    orders.call("GET", "/orders", expect=200, caller=ADMIN, params={"status": "CONFIRMED"})
    orders.call("GET", "/orders", expect=400, caller=shopper, params={"status": "LOST"})

    one = "/orders/{order_id}"
    where = {"order_id": placed["id"]}
    orders.call("GET", one, path=where, expect=200, caller=shopper)
    orders.call("GET", one, path=where, expect=404, caller=NOBODY)

    status = one + "/status"
    orders.call("PATCH", status, path=where, expect=200, caller=ADMIN, json={"status": "SHIPPED"})
    orders.call("PATCH", status, path=where, expect=409, caller=ADMIN, json={"status": "PENDING"})
    orders.call("PATCH", status, path=where, expect=400, caller=ADMIN, json={"status": "LOST"})
    orders.call("PATCH", status, path=where, expect=403, caller=shopper, json={"status": "SHIPPED"})
    missing = {"order_id": "missing"}
    orders.call("PATCH", status, path=missing, expect=404, caller=ADMIN, json={"status": "SHIPPED"})

    cancel = one + "/cancel"
    second = orders.call("POST", "/orders", expect=201, caller=shopper, json=order())["data"]
    orders.call("POST", cancel, path={"order_id": second["id"]}, expect=200, caller=shopper)
    orders.call("POST", cancel, path={"order_id": second["id"]}, expect=409, caller=shopper)
    orders.call("POST", cancel, path=missing, expect=404, caller=shopper)
    assert orders.unchecked() == []
