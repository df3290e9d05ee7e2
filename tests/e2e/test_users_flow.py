"""A user's whole account journey through the gateway, against real processes."""

from __future__ import annotations

import secrets
import uuid

from tests.support.stack import Stack


def test_register_login_profile_addresses_refresh_logout(stack: Stack) -> None:
    client = stack.client
    email = f"Flow-{uuid.uuid4().hex[:10]}@Example.com"
    password = secrets.token_urlsafe(12)

    registered = client.post(
        "/auth/register", json={"email": email, "password": password, "name": "Flow"}
    )
    assert registered.status_code == 201, registered.text
    user = registered.json()["data"]["user"]
    assert user["email"] == email.lower() and "passwordHash" not in user
    duplicate = client.post(
        "/auth/register", json={"email": email.lower(), "password": password, "name": "Dup"}
    )
    assert duplicate.status_code == 409

    bad = client.post("/auth/login", json={"email": email, "password": "wrong-password"})
    assert bad.status_code == 401
    session = stack.login(email, password)
    auth = stack.auth(session["accessToken"])

    me = client.get("/users/me", headers=auth)
    assert me.status_code == 200 and me.json()["data"]["id"] == user["id"]
    patched = client.patch("/users/me", json={"phone": "+1 555 0100"}, headers=auth)
    assert patched.json()["data"]["phone"] == "+1 555 0100"

    home = client.post(
        "/users/me/addresses",
        json={"line1": "1 Main St", "city": "Springfield", "postalCode": "62701", "country": "US"},
        headers=auth,
    )
    assert home.status_code == 201 and home.json()["data"]["isDefault"] is True
    work = client.post(
        "/users/me/addresses",
        json={
            "line1": "2 Work Rd",
            "city": "Springfield",
            "postalCode": "62702",
            "country": "US",
            "isDefault": True,
        },
        headers=auth,
    )
    assert work.status_code == 201
    listed = client.get("/users/me/addresses", headers=auth).json()["data"]
    assert [a["id"] for a in listed if a["isDefault"]] == [work.json()["data"]["id"]]
    deleted = client.delete(f"/users/me/addresses/{home.json()['data']['id']}", headers=auth)
    assert deleted.status_code == 200

    assert client.get("/users", headers=auth).status_code == 403

    refreshed = client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200
    pair = refreshed.json()["data"]
    stack.issued_secrets += [pair["accessToken"], pair["refreshToken"]]
    assert pair["refreshToken"] != session["refreshToken"]
    replay = client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert replay.status_code == 401

    second = stack.login(email, password)
    new_auth = stack.auth(second["accessToken"])
    out = client.post(
        "/auth/logout", json={"refreshToken": second["refreshToken"]}, headers=new_auth
    )
    assert out.status_code == 200
    after = client.post("/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert after.status_code == 401


def test_bootstrap_admin_lists_users(stack: Stack) -> None:
    admin = stack.auth(stack.admin_token())
    resp = stack.client.get("/users", params={"page": 1, "limit": 5}, headers=admin)
    assert resp.status_code == 200
    body = resp.json()
    assert body["meta"]["page"] == 1 and body["meta"]["limit"] == 5 and body["meta"]["total"] >= 1
    assert len(body["data"]) <= 5


def test_tokens_through_every_layer_are_watched_for_in_the_logs(stack: Stack) -> None:
    """Refreshed, reused and logged-out tokens: the stack's teardown looks for them in every
    process's log (tests/support/running_stack.py)."""
    session = stack.login(stack.admin_email, stack.admin_password)
    refreshed = stack.client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200
    pair = refreshed.json()["data"]
    stack.issued_secrets += [pair["accessToken"], pair["refreshToken"]]
    reused = stack.client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert reused.status_code == 401
    headers = stack.auth(pair["accessToken"])
    assert stack.client.get("/users/me", headers=headers).is_success
    logout = stack.client.post(
        "/auth/logout", json={"refreshToken": pair["refreshToken"]}, headers=headers
    )
    assert logout.is_success
