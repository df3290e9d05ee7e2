"""The admin console in a real browser: products, orders, users; and shoppers kept out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.support.stack import Stack
from tests.support.storefront import Shop, create_product, sign_in, unique


def _admin_sign_in(shop: Shop, stack: Stack) -> None:
    shop.goto("/admin")
    shop.page.get_by_label("Email").fill(stack.admin_email)
    shop.page.get_by_label("Password").fill(stack.admin_password)
    shop.page.get_by_role("button", name="Sign in").click()
    expect(shop.page.get_by_role("heading", name="Products")).to_be_visible()


def test_admin_creates_a_product_that_shoppers_then_find(
    open_shop: Callable[[], Shop], stack: Stack, shop_window: list[dict[str, Any]]
) -> None:
    admin = open_shop()
    page = admin.page
    low = create_product(stack, name=unique("Almost gone "), price=500, stock=1)
    _admin_sign_in(admin, stack)
    first_row = page.locator("tbody tr").first
    expect(first_row).to_have_class("row-low")  # the low-stock ones come first
    expect(page.locator(f'tr[data-product-id="{low["id"]}"]')).to_contain_text("Low")
    admin.snap("admin-products")

    name, sku = unique("Walnut tray "), unique("TRAY-").upper()
    page.get_by_role("button", name="New product").click()
    dialog = page.locator("dialog")
    dialog.get_by_label("Name", exact=True).fill(name)
    dialog.get_by_label("Description").fill("Oiled walnut, 30 cm.")
    dialog.get_by_label("Price ($)").fill("19.99")
    dialog.get_by_label("Category").fill("home")
    dialog.get_by_label("SKU").fill(sku)
    dialog.get_by_label("Stock", exact=True).fill("12")
    admin.snap("admin-new-product")
    dialog.get_by_role("button", name="Create product").click()
    expect(page.locator(f'tr[data-sku="{sku}"]')).to_contain_text("$19.99")

    created = stack.client.get("/products", params={"searchTerm": name}).json()["data"]
    assert [(p["name"], p["price"], p["stock"], p["sku"]) for p in created] == [
        (name, 1999, 12, sku)
    ]

    row = page.locator(f'tr[data-sku="{sku}"]')
    row.get_by_label(f"Units for {name}").fill("3")
    row.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(f'tr[data-sku="{sku}"] td').nth(3)).to_have_text("15")

    shopper = open_shop()
    shopper.goto("/")
    shopper.page.get_by_label("Search products").fill(name)
    shopper.page.get_by_role("button", name="Search").click()
    card = shopper.page.locator(".product-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("$19.99")

    row.get_by_role("button", name="Edit").click()
    dialog = page.locator("dialog")
    dialog.get_by_label("Price ($)").fill("24.50")
    dialog.get_by_role("button", name="Save changes").click()
    expect(page.locator(f'tr[data-sku="{sku}"]')).to_contain_text("$24.50")
    expect(card).to_contain_text("$19.99")  # the shopper's page is as it was loaded
    shopper.page.reload()
    expect(shopper.page.locator(".product-card")).to_contain_text("$24.50")

    page.locator(f'tr[data-sku="{sku}"]').get_by_role("button", name="Delete").click()
    expect(page.locator(f'tr[data-sku="{sku}"]')).to_have_count(0)
    assert stack.client.get(f"/products/{created[0]['id']}").status_code == 404

    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    admin.snap("admin-orders")
    page.get_by_role("link", name="Users").click()
    expect(page.locator("tbody tr").first).to_be_visible()
    admin.snap("admin-users")


def test_admin_moves_an_order_along_legal_transitions_only(
    open_shop: Callable[[], Shop], stack: Stack
) -> None:
    shopper = stack.new_user()
    headers = Stack.auth(shopper["accessToken"])
    product = create_product(stack, name=unique("Vase "), price=3000, stock=4)
    address = stack.client.post(
        "/users/me/addresses",
        headers=headers,
        json={"line1": "1 Road", "city": "Town", "postalCode": "1000", "country": "BE"},
    ).json()["data"]
    order = stack.client.post(
        "/orders",
        headers={**headers, "Idempotency-Key": unique("k-")},
        json={
            "items": [{"productId": product["id"], "quantity": 1}],
            "shippingAddressId": address["id"],
            "payment": {"method": "card", "token": "tok_ok"},
        },
    ).json()["data"]
    admin = open_shop()
    _admin_sign_in(admin, stack)
    admin.goto("/admin#/orders?status=CONFIRMED")
    row = admin.page.locator(f'tr[data-order-id="{order["id"]}"]')
    options = row.locator("select option")
    expect(options).to_have_text(["SHIPPED", "CANCELLED"])
    row.get_by_role("button", name="Move").click()
    expect(row).to_have_count(0)  # no longer CONFIRMED
    admin.goto("/admin#/orders?status=SHIPPED")
    row = admin.page.locator(f'tr[data-order-id="{order["id"]}"]')
    expect(row.locator("select option")).to_have_text(["DELIVERED"])
    fetched = stack.client.get(f"/orders/{order['id']}", headers=headers).json()["data"]
    assert fetched["status"] == "SHIPPED"


def test_a_shopper_opening_admin_is_refused(open_shop: Callable[[], Shop], stack: Stack) -> None:
    user = stack.new_user()
    shop = open_shop()
    sign_in(shop, user["email"], user["password"])
    shop.goto("/admin")
    refused = shop.page.locator("#forbidden")
    expect(refused).to_contain_text("403")
    expect(refused).to_contain_text("Admins only")
    expect(shop.page.locator("#admin-nav")).to_be_hidden()
    expect(shop.page.locator("table")).to_have_count(0)
    shop.snap("admin-refused")
