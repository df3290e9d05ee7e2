"""Runs last (by name): what every process logged during the e2e run holds no secret.

The other e2e modules have by now registered, logged in, refreshed, sent forged and broken
tokens and bad input, placed and cancelled orders, and crashed services.
"""

from __future__ import annotations

import pytest

from tests.support.log_hygiene import leaks
from tests.support.stack import Stack

PROCESSES = ("gateway", "users", "products", "orders", "notifications")


@pytest.fixture(scope="module")
def issued_tokens(stack: Stack) -> list[str]:
    """Tokens that went through every layer (refresh, logout, reuse), to look for in logs."""
    session = stack.login(stack.admin_email, stack.admin_password)
    refreshed = stack.client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200
    pair = refreshed.json()["data"]
    reused = stack.client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert reused.status_code == 401
    headers = stack.auth(pair["accessToken"])
    assert stack.client.get("/users/me", headers=headers).is_success
    logout = stack.client.post(
        "/auth/logout", json={"refreshToken": pair["refreshToken"]}, headers=headers
    )
    assert logout.is_success
    return [pair["accessToken"], pair["refreshToken"]]


def test_every_process_logged(stack: Stack) -> None:
    for name in PROCESSES:
        assert stack.logs(name).strip(), f"{name} logged nothing"


def test_no_hash_token_or_secret_reaches_a_log(stack: Stack, issued_tokens: list[str]) -> None:
    for name in PROCESSES:
        found = leaks(stack.logs(name), [*stack.known_secrets, *issued_tokens])
        assert not found, f"{name} logged {found}"


def test_the_check_finds_what_it_looks_for() -> None:
    line = '{"event": "x", "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}'
    assert leaks(line, []) == ["an argon2 password hash"]
    assert leaks("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlc2lnbmF0dXJl", [])
    assert leaks("refresh=abc123secret", ["abc123secret"])
