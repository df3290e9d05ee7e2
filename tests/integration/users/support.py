"""Helpers shared by the user-service integration tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from argon2 import PasswordHasher

from shop.users.settings import UserSettings

SECRET = "users-test-gateway-secret-1"
OTHER_SECRET = "users-test-gateway-secret-2"
JWT_SECRET = "users-test-jwt-secret-0123456789abcdef"
PASSWORD = "correct horse battery"
# Cheap parameters keep the suite fast; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def make_settings(**overrides: Any) -> UserSettings:
    values: dict[str, Any] = {
        "shop_env": "test",
        "jwt_secret": JWT_SECRET,
        "gateway_secret": f"{SECRET},{OTHER_SECRET}",
        "rabbitmq_url": None,
        "admin_email": None,
        "admin_password": None,
        "outbox_poll_seconds": 0.1,
        **overrides,
    }
    return UserSettings(**values)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def as_user(user: dict[str, Any]) -> dict[str, str]:
    """The identity headers the gateway sets from a verified token."""
    return {"x-user-id": user["id"], "x-user-email": user["email"], "x-user-role": user["role"]}


ADMIN = {"x-user-id": "admin-id", "x-user-email": "admin@example.com", "x-user-role": "admin"}


async def register(
    client: httpx.AsyncClient, *, email: str | None = None, name: str = "Test User"
) -> dict[str, Any]:
    resp = await client.post(
        "/auth/register",
        json={"email": email or unique_email(), "password": PASSWORD, "name": name},
    )
    assert resp.status_code == 201, resp.text
    user: dict[str, Any] = resp.json()["data"]["user"]
    return user


async def login(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    resp = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data
