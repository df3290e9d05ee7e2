"""A shopper's session in the browser: it outlives its access token, and sign-out ends it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from tests.support.stack import Stack
from tests.support.storefront import Shop, sign_in

ACCESS_TTL_SECONDS = 3


@pytest.fixture
def short_lived_tokens(stack: Stack) -> Iterator[None]:
    """The user service issues 3-second access tokens for this test, then the usual again."""
    stack.admin_token()  # cached now, with the usual lifetime, for the tests that follow
    stack.restart("users", {"ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TTL_SECONDS)})
    try:
        yield
    finally:
        stack.restart("users")


def _wait_past_expiry(shop: Shop) -> None:
    shop.page.wait_for_timeout((ACCESS_TTL_SECONDS + 1.5) * 1000)


# Restarting the user service twice (and, run alone, starting the stack) outlasts the
# default 120 s on a busy machine.
@pytest.mark.timeout(300)
@pytest.mark.usefixtures("short_lived_tokens")
def test_session_survives_access_token_expiry_and_sign_out_ends_it(
    open_shop: Callable[[], Shop], stack: Stack
) -> None:
    user = stack.new_user()
    shop = open_shop()
    page = shop.page
    sign_in(shop, user["email"], user["password"])
    first = shop.session()
    assert first is not None

    # Expired by the page's clock: renewed before the call.
    _wait_past_expiry(shop)
    shop.goto("/#/account")
    expect(page.get_by_role("heading", name="Hello, Test User")).to_be_visible()
    second = shop.session()
    assert second is not None
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    shop.snap("account")

    # Expired though the page believes otherwise (a skewed clock): the 401 renews and replays.
    page.evaluate(
        "() => { const s = JSON.parse(localStorage.getItem('shop.session'));"
        " s.expiresAt = Date.now() + 3600000;"
        " localStorage.setItem('shop.session', JSON.stringify(s)); }"
    )
    page.reload()
    _wait_past_expiry(shop)
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
    expect(page.get_by_text("No orders yet")).to_be_visible()
    third = shop.session()
    assert third is not None and third["refreshToken"] != second["refreshToken"]

    page.locator("#nav-account").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#nav-account")).to_have_text("Sign in")
    assert shop.session() is None
    # Signing out revoked the refresh token on the server, not just in the page.
    resp = stack.client.post("/auth/refresh", json={"refreshToken": third["refreshToken"]})
    assert resp.status_code == 401
    shop.goto("/#/orders")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shop.snap("login")
