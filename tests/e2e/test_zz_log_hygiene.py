"""Runs last (by name): what every process logged during the e2e run holds no secret.

The other e2e modules have by now registered, logged in, refreshed, sent forged and broken
tokens and bad input, placed and cancelled orders, and crashed services.
"""

from __future__ import annotations

import pytest

from tests.support.stack import Stack

PROCESSES = ("gateway", "users", "products", "orders", "notifications")


@pytest.fixture(scope="module")
def issued_tokens(stack: Stack) -> list[str]:
    """An access and a refresh token that went through every layer, to look for in logs."""
    session = stack.login(stack.admin_email, stack.admin_password)
    refreshed = stack.client.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200
    assert stack.client.get("/users/me", headers=stack.auth(session["accessToken"])).is_success
    return [session["accessToken"], session["refreshToken"]]


def test_every_process_logged(stack: Stack) -> None:
    for name in PROCESSES:
        assert stack.logs(name).strip(), f"{name} logged nothing"


def test_no_secret_reaches_a_log(stack: Stack, issued_tokens: list[str]) -> None:
    secrets = [*stack.secrets, stack.jwt_secret, stack.admin_password, *issued_tokens]
    for name in PROCESSES:
        text = stack.logs(name)
        for secret in secrets:
            assert secret not in text, f"{name} logged a secret"
