"""The route table, the public-route table and the stricter auth-limit routes."""

from __future__ import annotations

import pytest

from shop.gateway.routing import (
    build_routes,
    build_services,
    first_segment,
    has_dot_segment,
    is_auth_limited,
    is_public,
)
from shop.gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("GET", "/products"),
        ("HEAD", "/products"),
        ("GET", "/products/abc123"),
        ("HEAD", "/products/abc123"),
        ("GET", "/health"),
    ],
)
def test_public_routes(method: str, path: str) -> None:
    assert is_public(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/logout"),
        ("GET", "/auth/login"),
        ("POST", "/products"),
        ("PATCH", "/products/abc123"),
        ("DELETE", "/products/abc123"),
        ("GET", "/products/abc123/stock"),
        ("GET", "/products/"),
        ("GET", "/productsx"),
        ("GET", "/users/me"),
        ("GET", "/users"),
        ("GET", "/orders"),
        ("POST", "/orders"),
        ("POST", "/health"),
    ],
)
def test_protected_routes(method: str, path: str) -> None:
    assert not is_public(method, path)


def test_auth_limited_routes() -> None:
    assert is_auth_limited("POST", "/auth/login")
    assert is_auth_limited("POST", "/auth/register")
    assert not is_auth_limited("POST", "/auth/refresh")
    assert not is_auth_limited("GET", "/auth/login")


def test_prefixes_route_to_their_services() -> None:
    settings = GatewaySettings(
        user_service_url="http://users:1/",
        product_service_url="http://products:2",
        order_service_url="http://orders:3",
    )
    routes = build_routes(build_services(settings))
    assert routes["auth"].replicas is routes["users"].replicas
    assert [r.url for r in routes["users"].replicas.replicas] == ["http://users:1"]
    assert [r.url for r in routes["products"].replicas.replicas] == ["http://products:2"]
    assert routes["orders"].label == "/orders"


def test_a_comma_separated_list_is_one_replica_each() -> None:
    settings = GatewaySettings(order_service_url="http://a:3003, http://b:3003/,")
    orders = build_services(settings)["orders"]
    assert [r.url for r in orders.replicas] == ["http://a:3003", "http://b:3003"]


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("/products", "products"),
        ("/products/1", "products"),
        ("/productsx/1", "productsx"),
        ("/", ""),
        ("/orders/1/cancel", "orders"),
    ],
)
def test_first_segment(path: str, segment: str) -> None:
    assert first_segment(path) == segment


@pytest.mark.parametrize(
    ("path", "dotted"),
    [
        ("/products/..", True),
        ("/products/./1", True),
        ("/products/../orders", True),
        ("/products/a.b", False),
        ("/products/.hidden", False),
        ("/orders/1", False),
    ],
)
def test_dot_segments(path: str, dotted: bool) -> None:
    assert has_dot_segment(path) is dotted
