"""The contract's metrics move with real traffic: one order, one registration, one view."""

from __future__ import annotations

from tests.support.scrape import Samples, scrape, value
from tests.support.shopping import new_product, new_shopper, order_body
from tests.support.stack import Stack

SERVICES = ("users", "products", "orders")


def _all(stack: Stack) -> dict[str, Samples]:
    found = {name: scrape(stack.url(name)) for name in SERVICES}
    found["gateway"] = scrape(stack.gateway_metrics_url)
    return found


def test_an_order_moves_the_business_and_rpc_metrics(stack: Stack) -> None:
    product = new_product(stack, stock=5, price=1234)
    before = _all(stack)
    shopper = new_shopper(stack)  # one registration, one successful login
    assert (
        stack.client.post("/auth/login", json={"email": "x@y.z", "password": "nope"}).status_code
        == 401
    )
    assert stack.client.get(f"/products/{product}").status_code == 200
    resp = stack.client.post(
        "/orders", json=order_body(shopper, [(product, 2)]), headers=shopper.headers
    )
    assert resp.status_code == 201, resp.text
    after = _all(stack)

    def delta(process: str, name: str, /, **labels: str) -> float:
        return value(after[process], name, **labels) - value(before[process], name, **labels)

    assert delta("users", "shop_users_registered_total") == 1
    assert delta("users", "shop_logins_total", result="ok") == 1
    assert delta("users", "shop_logins_total", result="failed") == 1
    assert delta("products", "shop_product_views_total") == 1
    assert delta("products", "shop_stock_reservations_total", result="reserved") == 1
    assert delta("products", "shop_stock_reservations_total", result="committed") == 1
    assert delta("orders", "shop_orders_total", status="PENDING") == 1
    assert delta("orders", "shop_orders_total", status="CONFIRMED") == 1
    assert delta("orders", "shop_order_revenue_cents_total") == 2 * 1234

    # gRPC, both sides of the order service's calls. They travel in batch calls (a batch of
    # one here); the server also counts each item as the call it stands for.
    for method in ("ReserveInventory", "ReserveInventoryBatch"):
        reserve = {"service": "products", "method": method}
        assert delta("products", "grpc_requests_total", code="OK", **reserve) == 1
        assert delta("products", "grpc_request_duration_seconds_count", **reserve) == 1
    client = {"service": "orders", "peer": "products", "method": "ReserveInventoryBatch"}
    assert delta("orders", "grpc_client_requests_total", code="OK", **client) == 1
    assert delta("orders", "grpc_client_request_duration_seconds_count", **client) == 1
    validate = {"service": "orders", "peer": "users", "method": "ValidateUsers"}
    assert delta("orders", "grpc_client_requests_total", code="OK", **validate) >= 1
    assert (
        delta("users", "grpc_requests_total", code="OK", service="users", method="ValidateUser")
        >= 1
    )
    for peer in ("users", "products"):
        assert value(after["orders"], "circuit_breaker_open", service="orders", peer=peer) == 0

    # HTTP: the gateway and the service both saw POST /orders, by route template.
    assert (
        delta(
            "gateway",
            "http_requests_total",
            service="gateway",
            method="POST",
            route="/orders",
            status="201",
        )
        == 1
    )
    assert (
        delta(
            "orders",
            "http_request_duration_seconds_count",
            service="orders",
            method="POST",
            route="/orders",
        )
        == 1
    )


def test_label_values_stay_bounded(stack: Stack) -> None:
    product = new_product(stack, stock=1)
    stack.client.get(f"/products/{product}")
    for samples in _all(stack).values():
        for _, labels in samples:
            assert all(product not in label_value for _, label_value in labels)
