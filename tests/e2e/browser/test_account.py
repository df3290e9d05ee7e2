"""The shopper's own pages in a real browser: profile, addresses, order history and cancel."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import expect

from tests.support.shopping import stock_of
from tests.support.stack import Stack
from tests.support.storefront import Shop, create_product, sign_in, unique


def test_profile_addresses_history_and_cancel(open_shop: Callable[[], Shop], stack: Stack) -> None:
    user = stack.new_user()
    headers = Stack.auth(user["accessToken"])
    product = create_product(stack, name=unique("Clock "), price=4500, stock=6)
    shop = open_shop()
    page = shop.page
    sign_in(shop, user["email"], user["password"])

    shop.goto("/#/account")
    page.get_by_label("Name").fill("Grace Buyer")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#nav-account")).to_have_text("Grace Buyer")
    page.get_by_role("button", name="Add an address").click()
    page.get_by_label("Street address").fill("7 Harbour Road")
    page.get_by_label("City").fill("Portsmouth")
    page.get_by_label("Postal code").fill("PO1 2AB")
    page.get_by_label("Country").fill("GB")
    page.get_by_label("Use as my default address").check()
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".addresses li")).to_have_count(1)
    expect(page.locator(".addresses li")).to_contain_text("7 Harbour Road")
    expect(page.locator(".addresses li")).to_contain_text("Default")
    me = stack.client.get("/users/me", headers=headers).json()["data"]
    assert me["name"] == "Grace Buyer"
    [address] = stack.client.get("/users/me/addresses", headers=headers).json()["data"]
    assert address["city"] == "Portsmouth" and address["isDefault"] is True

    placed = stack.client.post(
        "/orders",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={
            "items": [{"productId": product["id"], "quantity": 2}],
            "shippingAddressId": address["id"],
            "payment": {"method": "card", "token": "tok_ok"},
        },
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()["data"]
    assert stock_of(stack, product["id"]) == 4

    page.get_by_role("link", name="Orders", exact=True).click()
    row = page.locator(f'[data-order-id="{order["id"]}"]')
    expect(row).to_contain_text("CONFIRMED")
    expect(row).to_contain_text("$90.00")
    row.click()
    expect(page.locator(".summary-lines")).to_contain_text(product["name"])
    page.get_by_role("button", name="Cancel order").click()  # the confirm dialog is accepted
    expect(page.locator(".page-head .status")).to_have_text("CANCELLED")
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    assert stock_of(stack, product["id"]) == 6

    shop.goto("/#/account")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No saved addresses")).to_be_visible()
    assert stack.client.get("/users/me/addresses", headers=headers).json()["data"] == []
