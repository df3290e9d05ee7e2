"""Profile, addresses and the admin directory through the REST app, on MariaDB and SQLite."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.users.support import ADMIN, as_user, register


def address(**overrides: Any) -> dict[str, Any]:
    return {
        "line1": f"{uuid.uuid4().hex[:6]} Main St",
        "city": "Springfield",
        "state": "IL",
        "postalCode": "62701",
        "country": "US",
        **overrides,
    }


async def add(client: httpx.AsyncClient, user: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    resp = await client.post(
        "/users/me/addresses", json=address(**overrides), headers=as_user(user)
    )
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()["data"]
    return created


async def addresses(client: httpx.AsyncClient, user: dict[str, Any]) -> list[dict[str, Any]]:
    resp = await client.get("/users/me/addresses", headers=as_user(user))
    assert resp.status_code == 200
    listed: list[dict[str, Any]] = resp.json()["data"]
    return listed


async def test_me_returns_the_profile(client: httpx.AsyncClient, user: dict[str, Any]) -> None:
    resp = await client.get("/users/me", headers=as_user(user))
    assert resp.status_code == 200
    assert resp.json()["data"] == user


async def test_me_for_an_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    ghost = {"id": str(uuid.uuid4()), "email": "ghost@example.com", "role": "user"}
    assert (await client.get("/users/me", headers=as_user(ghost))).status_code == 404


async def test_patch_me_changes_name_and_phone_only(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    resp = await client.patch(
        "/users/me", json={"name": " New Name ", "phone": "+1 555 0100"}, headers=as_user(user)
    )
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert (data["name"], data["phone"], data["email"]) == (
        "New Name",
        "+1 555 0100",
        user["email"],
    )
    cleared = await client.patch("/users/me", json={"phone": None}, headers=as_user(user))
    assert cleared.json()["data"]["phone"] is None
    assert (await client.get("/users/me", headers=as_user(user))).json()["data"]["name"] == (
        "New Name"
    )


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"phone": "call me maybe"}, "phone"),
        ({"role": "admin"}, "role"),
        ({"email": "new@example.com"}, "email"),
    ],
)
async def test_patch_me_refuses_bad_input_naming_the_field(
    client: httpx.AsyncClient, user: dict[str, Any], body: dict[str, Any], path: str
) -> None:
    resp = await client.patch("/users/me", json=body, headers=as_user(user))
    assert resp.status_code == 400
    assert path in resp.json()["errors"][0]["path"]
    assert (await client.get("/users/me", headers=as_user(user))).json()["data"]["role"] == "user"


async def test_first_address_becomes_default_and_a_new_default_replaces_it(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    first = await add(client, user)
    assert first["isDefault"] is True
    assert set(first) >= {"id", "line1", "line2", "city", "state", "postalCode", "country"}
    second = await add(client, user)
    assert second["isDefault"] is False
    third = await add(client, user, isDefault=True)
    listed = await addresses(client, user)
    assert [a["id"] for a in listed if a["isDefault"]] == [third["id"]]
    assert {a["id"] for a in listed} == {first["id"], second["id"], third["id"]}


async def test_patch_address_moves_the_default_and_updates_fields(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    first = await add(client, user, line2="Apt 1")
    second = await add(client, user)
    resp = await client.patch(
        f"/users/me/addresses/{second['id']}",
        json={"isDefault": True, "city": "Shelbyville"},
        headers=as_user(user),
    )
    assert resp.status_code == 200
    assert resp.json()["data"]["city"] == "Shelbyville"
    listed = {a["id"]: a for a in await addresses(client, user)}
    assert listed[second["id"]]["isDefault"] and not listed[first["id"]]["isDefault"]
    cleared = await client.patch(
        f"/users/me/addresses/{first['id']}", json={"line2": None}, headers=as_user(user)
    )
    assert cleared.json()["data"]["line2"] is None


async def test_delete_default_address_promotes_the_oldest_remaining(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    first = await add(client, user)
    second = await add(client, user)
    third = await add(client, user)
    resp = await client.delete(f"/users/me/addresses/{first['id']}", headers=as_user(user))
    assert resp.status_code == 200
    listed = await addresses(client, user)
    assert [a["id"] for a in listed if a["isDefault"]] == [second["id"]]
    assert {a["id"] for a in listed} == {second["id"], third["id"]}


async def test_another_users_address_is_404(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    mine = await add(client, user)
    intruder = await register(client)
    path = f"/users/me/addresses/{mine['id']}"
    patch = await client.patch(path, json={"city": "Stolen"}, headers=as_user(intruder))
    delete = await client.delete(path, headers=as_user(intruder))
    assert patch.status_code == delete.status_code == 404
    assert await addresses(client, intruder) == []
    assert (await addresses(client, user))[0]["city"] == "Springfield"
    missing = await client.delete("/users/me/addresses/nope", headers=as_user(user))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"postalCode": ""}, "postalCode"),
        ({"line1": None}, "line1"),
        ({"isDefault": "maybe"}, "isDefault"),
        ({"planet": "Mars"}, "planet"),
    ],
)
async def test_bad_address_is_400_naming_the_field(
    client: httpx.AsyncClient, user: dict[str, Any], overrides: dict[str, Any], path: str
) -> None:
    resp = await client.post(
        "/users/me/addresses", json=address(**overrides), headers=as_user(user)
    )
    assert resp.status_code == 400
    assert path in {e["path"] for e in resp.json()["errors"]}


async def test_concurrent_new_defaults_leave_exactly_one(
    client: httpx.AsyncClient, user: dict[str, Any]
) -> None:
    await asyncio.gather(*(add(client, user, isDefault=True) for _ in range(6)))
    listed = await addresses(client, user)
    assert len(listed) == 6
    assert sum(a["isDefault"] for a in listed) == 1


async def test_admin_lists_users_with_page_meta(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await register(client)
    resp = await client.get("/users", params={"page": 1, "limit": 2}, headers=ADMIN)
    assert resp.status_code == 200
    body = resp.json()
    assert len(body["data"]) == 2
    assert body["meta"]["page"] == 1 and body["meta"]["limit"] == 2
    assert body["meta"]["total"] >= 3
    assert all("passwordHash" not in u and "password_hash" not in u for u in body["data"])
    page2 = (await client.get("/users", params={"page": 2, "limit": 2}, headers=ADMIN)).json()
    assert {u["id"] for u in page2["data"]}.isdisjoint({u["id"] for u in body["data"]})


@pytest.mark.parametrize(
    ("params", "path"), [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"page": 0}, "page")]
)
async def test_admin_list_refuses_bad_paging(
    client: httpx.AsyncClient, params: dict[str, int], path: str
) -> None:
    resp = await client.get("/users", params=params, headers=ADMIN)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["path"] == path


async def test_admin_list_is_403_for_users(client: httpx.AsyncClient, user: dict[str, Any]) -> None:
    assert (await client.get("/users", headers=as_user(user))).status_code == 403
