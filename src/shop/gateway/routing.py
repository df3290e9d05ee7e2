"""Which upstream serves a path, which routes are public, and bounded route labels."""

from __future__ import annotations

from dataclasses import dataclass

from shop.gateway.replicas import ReplicaSet, split_replicas
from shop.gateway.settings import GatewaySettings

HEALTH_PATH = "/health"
UNMATCHED = "unmatched"

_PUBLIC_AUTH_POSTS = frozenset({"/auth/register", "/auth/login", "/auth/refresh"})
# Stricter limit, keyed by IP: the endpoints credential stuffing goes after.
_AUTH_LIMITED_POSTS = frozenset({"/auth/register", "/auth/login"})
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Route:
    """A matched route: its label (the first path segment) and its service's replicas."""

    label: str
    replicas: ReplicaSet


def build_services(settings: GatewaySettings) -> dict[str, ReplicaSet]:
    """Service name -> its replicas, from the (comma-separated) upstream URLs in settings."""
    urls = {
        "users": settings.user_service_url,
        "products": settings.product_service_url,
        "orders": settings.order_service_url,
    }
    eject = settings.upstream_eject_seconds
    return {
        name: ReplicaSet(name, split_replicas(value), eject_seconds=eject)
        for name, value in urls.items()
    }


def build_routes(services: dict[str, ReplicaSet]) -> dict[str, Route]:
    """First path segment -> route; /auth and /users share the user service's replicas."""
    table = {"auth": "users", "users": "users", "products": "products", "orders": "orders"}
    return {segment: Route(f"/{segment}", services[name]) for segment, name in table.items()}


def first_segment(path: str) -> str:
    """'/products/42?x' -> 'products'; a prefix matches whole segments only."""
    end = path.find("/", 1)
    return path[1:] if end == -1 else path[1:end]


def has_dot_segment(path: str) -> bool:
    """True for paths with '.' or '..' segments: a service might resolve them elsewhere."""
    if "/." not in path:
        return False
    return any(segment in (".", "..") for segment in path.split("/"))


def is_public(method: str, path: str) -> bool:
    """True for the routes anyone may call without a token."""
    if method == "POST":
        return path in _PUBLIC_AUTH_POSTS
    if method in _READ_METHODS:
        if path in (HEALTH_PATH, "/products"):
            return True
        # /products/{id}: exactly one non-empty segment after the prefix.
        if path.startswith("/products/"):
            rest = path[len("/products/") :]
            return bool(rest) and "/" not in rest
    return False


def is_auth_limited(method: str, path: str) -> bool:
    """True for the routes under the stricter, per-IP login/register limit."""
    return method == "POST" and path in _AUTH_LIMITED_POSTS
