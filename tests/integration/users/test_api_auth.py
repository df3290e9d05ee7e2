"""Register, login, refresh and logout through the REST app, on MariaDB and SQLite."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shop.common.tokens import verify_access_token
from tests.integration.users.support import (
    JWT_SECRET,
    OTHER_SECRET,
    PASSWORD,
    as_user,
    login,
    register,
    unique_email,
)


async def test_register_returns_the_user_without_any_secret(client: httpx.AsyncClient) -> None:
    email = unique_email("Mixed.Case")
    resp = await client.post(
        "/auth/register", json={"email": email.upper(), "password": PASSWORD, "name": "Ann"}
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["success"] is True and isinstance(body["message"], str)
    user = body["data"]["user"]
    assert set(user) == {"id", "email", "name", "role", "phone", "createdAt"}
    assert user["email"] == email.lower()
    assert user["role"] == "user" and user["name"] == "Ann"
    assert PASSWORD not in resp.text and "argon2" not in resp.text and "hash" not in resp.text
    assert resp.headers["x-request-id"]


async def test_duplicate_email_in_any_case_is_409(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await register(client, email=email)
    for variant in (email, email.upper(), email.capitalize()):
        resp = await client.post(
            "/auth/register", json={"email": variant, "password": PASSWORD, "name": "Dup"}
        )
        assert resp.status_code == 409, variant
        body = resp.json()
        assert body["success"] is False
        assert body["errors"] == [{"path": "email", "message": "already registered"}]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"email": "nope"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 129}, "password"),
        ({"name": ""}, "name"),
        ({"role": "admin"}, "role"),
        ({"email": 42}, "email"),
    ],
)
async def test_bad_registration_is_400_naming_the_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], path: str
) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "name": "X", **overrides}
    resp = await client.post("/auth/register", json=body)
    assert resp.status_code == 400
    assert path in {e["path"] for e in resp.json()["errors"]}


@pytest.mark.parametrize("content", [b"{not json", b"[]", b"null", b""])
async def test_malformed_bodies_are_400_not_500(client: httpx.AsyncClient, content: bytes) -> None:
    resp = await client.post(
        "/auth/register", content=content, headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.json()["success"] is False


async def test_login_issues_a_verifiable_access_token_and_a_refresh_token(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    session = await login(client, user["email"].upper())
    principal = verify_access_token(session["accessToken"], secret=JWT_SECRET)
    assert (principal.user_id, principal.email, principal.role) == (
        user["id"],
        user["email"],
        "user",
    )
    assert isinstance(session["refreshToken"], str) and len(session["refreshToken"]) >= 43
    assert session["user"] == user


async def test_wrong_email_and_wrong_password_get_the_same_401(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    wrong_password = await client.post(
        "/auth/login", json={"email": user["email"], "password": "not the password"}
    )
    unknown_email = await client.post(
        "/auth/login", json={"email": unique_email(), "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["message"] == unknown_email.json()["message"]
    assert wrong_password.json()["errors"] == unknown_email.json()["errors"]


async def test_refresh_rotates_and_the_old_token_stops_working(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    first = await login(client, user["email"])
    resp = await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert resp.status_code == 200
    second = resp.json()["data"]
    assert second["refreshToken"] != first["refreshToken"]
    assert verify_access_token(second["accessToken"], secret=JWT_SECRET).user_id == user["id"]
    again = await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert again.status_code == 401


async def test_reusing_a_rotated_token_revokes_its_whole_family(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    stolen = await login(client, user["email"])
    other_device = await login(client, user["email"])
    rotated = (
        await client.post("/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
    ).json()["data"]
    replay = await client.post("/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
    assert replay.status_code == 401
    # The legitimate holder's newer token died with the family...
    newest = await client.post("/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert newest.status_code == 401
    # ...but a separate login (another family) is untouched.
    other = await client.post("/auth/refresh", json={"refreshToken": other_device["refreshToken"]})
    assert other.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "x" * 512])
async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    resp = await client.post("/auth/refresh", json={"refreshToken": token})
    assert resp.status_code == 401


async def test_refresh_without_token_is_400(client: httpx.AsyncClient) -> None:
    resp = await client.post("/auth/refresh", json={})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["path"] == "refreshToken"


async def test_logout_needs_a_caller_and_revokes_only_the_callers_token(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    mine = await login(client, user["email"])
    stranger = await register(client)
    theirs = await login(client, stranger["email"])

    anonymous = await client.post("/auth/logout", json={"refreshToken": mine["refreshToken"]})
    assert anonymous.status_code == 401

    # Logging out with someone else's token changes nothing for them.
    resp = await client.post(
        "/auth/logout", json={"refreshToken": theirs["refreshToken"]}, headers=as_user(user)
    )
    assert resp.status_code == 200
    ok = await client.post("/auth/refresh", json={"refreshToken": theirs["refreshToken"]})
    assert ok.status_code == 200

    resp = await client.post(
        "/auth/logout", json={"refreshToken": mine["refreshToken"]}, headers=as_user(user)
    )
    assert resp.status_code == 200 and resp.json()["success"] is True
    dead = await client.post("/auth/refresh", json={"refreshToken": mine["refreshToken"]})
    assert dead.status_code == 401


async def test_requests_without_a_valid_gateway_secret_are_401(client: httpx.AsyncClient) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "name": "X"}
    for headers in ({"x-gateway-secret": ""}, {"x-gateway-secret": "guess"}):
        resp = await client.post("/auth/register", json=body, headers=headers)
        assert resp.status_code == 401
        assert resp.json()["success"] is False and resp.json()["requestId"]
    # Every secret of the rotation list is accepted.
    resp = await client.post(
        "/auth/register", json=body, headers={"x-gateway-secret": OTHER_SECRET}
    )
    assert resp.status_code == 201


async def test_health_answers_without_the_secret(client: httpx.AsyncClient) -> None:
    resp = await client.get("/health", headers={"x-gateway-secret": ""})
    assert resp.status_code == 200 and resp.json()["status"] == "healthy"


async def test_identity_headers_count_only_behind_a_valid_secret(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    forged_admin = {**as_user(user), "x-user-role": "admin"}
    refused = await client.get("/users", headers={**forged_admin, "x-gateway-secret": "forged"})
    assert refused.status_code == 401
    # With the secret the service trusts the gateway: the role header is what decides.
    assert (await client.get("/users", headers=as_user(user))).status_code == 403
    assert (await client.get("/users", headers=forged_admin)).status_code == 200
    nobody = await client.get("/users/me")
    assert nobody.status_code == 401
    odd_role = await client.get("/users/me", headers={**as_user(user), "x-user-role": "root"})
    assert odd_role.status_code == 401
