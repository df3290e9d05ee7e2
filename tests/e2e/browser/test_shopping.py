"""A shopper in a real browser: register, search, cart, checkout, and what the API then holds."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from playwright.sync_api import Route, expect

from tests.support.shopping import stock_of
from tests.support.stack import Stack
from tests.support.storefront import Shop, create_product, orders_of, sign_in, unique


def _fill_new_address(shop: Shop) -> None:
    page = shop.page
    page.get_by_label("Street address").fill("12 Market Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postal code").fill("90210")
    page.get_by_label("Country").fill("US")


def _add_from_product_page(shop: Shop, product_id: str, quantity: int) -> None:
    shop.goto(f"/#/product/{product_id}")
    shop.page.get_by_label("Quantity").fill(str(quantity))
    shop.page.get_by_role("button", name="Add to cart").click()


def test_new_shopper_registers_searches_buys_two_products(
    open_shop: Callable[[], Shop], stack: Stack
) -> None:
    tag = unique("lantern")
    lamp = create_product(stack, name=f"Paper {tag}", price=1250, stock=10)
    kite = create_product(stack, name=f"Kite {tag}", price=899, stock=7)
    shop, page = open_shop(), None
    page = shop.page
    email, password = f"{unique('shopper-')}@example.com", secrets.token_urlsafe(12)

    shop.goto("/")
    expect(page.locator(".product-card").first).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill("Ada Shopper")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    shop.snap("register")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#nav-account")).to_have_text("Ada Shopper")

    page.get_by_label("Search products").fill(tag)
    page.get_by_label("Search products").press("Enter")
    expect(page.locator(".product-card")).to_have_count(2)
    assert f"searchTerm={tag}" in page.url  # the search is in the URL, so it can be shared
    expect(page.locator("#result-count")).to_have_text("2 products")
    page.get_by_role("button", name=f"Add Paper {tag} to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")

    page.get_by_role("link", name=f"Kite {tag}").click()
    expect(page.get_by_role("heading", name=f"Kite {tag}")).to_be_visible()
    expect(page.locator(".price-large")).to_have_text("$8.99")
    expect(page.locator(".product")).to_contain_text("In stock")
    expect(page.locator(".attributes")).to_contain_text("green")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("3")

    page.locator("#nav-cart").click()
    expect(page.locator(".line")).to_have_count(2)
    expect(page.locator("#cart-subtotal")).to_have_text("$30.48")
    shop.snap("cart")
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    _fill_new_address(shop)
    expect(page.get_by_label("Test card — approved")).to_be_checked()
    shop.snap("checkout")
    page.get_by_role("button", name="Place order").click()

    expect(page.locator("#order-headline")).to_contain_text("confirmed", ignore_case=True)
    expect(page.locator(".page-head .status")).to_have_text("CONFIRMED")
    expect(page.locator("#order-total")).to_have_text("$30.48")
    expect(page.locator(".summary-lines")).to_contain_text(f"2 \N{MULTIPLICATION SIGN} Kite {tag}")
    expect(page.locator("#cart-count")).to_have_text("0")
    shop.snap("order")

    assert stock_of(stack, lamp["id"]) == 9
    assert stock_of(stack, kite["id"]) == 5
    [order] = orders_of(stack, email, password)
    assert order["status"] == "CONFIRMED" and order["total"] == 3048
    assert sorted((i["productId"], i["quantity"]) for i in order["items"]) == sorted(
        [(lamp["id"], 1), (kite["id"], 2)]
    )
    assert order["shippingAddress"]["line1"] == "12 Market Street"

    page.get_by_role("link", name="All orders").click()
    expect(page.locator(".order-row")).to_have_count(1)
    shop.snap("orders")


def test_declined_card_holds_no_stock_and_another_card_then_works(
    open_shop: Callable[[], Shop], stack: Stack
) -> None:
    product = create_product(stack, name=unique("Teapot "), price=2400, stock=3)
    user = stack.new_user()
    shop = open_shop()
    page = shop.page
    sign_in(shop, user["email"], user["password"])
    _add_from_product_page(shop, product["id"], 2)
    shop.goto("/#/checkout")
    _fill_new_address(shop)
    page.get_by_label("Test card — declined").check()
    page.get_by_role("button", name="Place order").click()

    status = page.locator(".checkout-status")
    expect(status).to_contain_text("declined")
    expect(status).to_contain_text("no items are held")
    expect(page.get_by_role("button", name="Place order")).to_be_enabled()
    shop.snap("checkout-declined")
    assert stock_of(stack, product["id"]) == 3
    [failed] = orders_of(stack, user["email"], user["password"])
    assert failed["status"] == "FAILED"

    # A new attempt (another card) gets a new key: it is a second order, and it goes through.
    page.get_by_label("Test card — approved").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".page-head .status")).to_have_text("CONFIRMED")
    assert stock_of(stack, product["id"]) == 1
    statuses = sorted(o["status"] for o in orders_of(stack, user["email"], user["password"]))
    assert statuses == ["CONFIRMED", "FAILED"]
    token = stack.login(user["email"], user["password"])["accessToken"]
    addresses = stack.client.get("/users/me/addresses", headers=Stack.auth(token)).json()["data"]
    assert len(addresses) == 1  # the retry reused the address the first attempt saved


def test_double_click_and_a_lost_answer_make_one_order(
    open_shop: Callable[[], Shop], stack: Stack
) -> None:
    product = create_product(stack, name=unique("Candle "), price=700, stock=5)
    user = stack.new_user()
    shop = open_shop()
    page = shop.page
    sign_in(shop, user["email"], user["password"])
    _add_from_product_page(shop, product["id"], 1)
    shop.goto("/#/checkout")
    _fill_new_address(shop)

    # The first answer is lost on the way back (the order was placed): the page must retry
    # with the same Idempotency-Key, and get the same order.
    keys: list[str] = []

    def lose_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # reaches the gateway; the answer is dropped
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/orders", lose_first_answer)
    page.get_by_role("button", name="Place order").dblclick()
    expect(page.locator(".checkout-status")).to_contain_text("not be charged twice")
    assert len(keys) == 1  # the double click sent one request
    page.get_by_role("button", name="Place order").dblclick()
    expect(page.locator(".page-head .status")).to_have_text("CONFIRMED")

    assert len(keys) == 2 and keys[0] == keys[1]
    orders = orders_of(stack, user["email"], user["password"])
    assert len(orders) == 1 and orders[0]["status"] == "CONFIRMED"
    assert stock_of(stack, product["id"]) == 4


def test_sold_out_meanwhile_names_the_line(open_shop: Callable[[], Shop], stack: Stack) -> None:
    plenty = create_product(stack, name=unique("Basket "), price=1500, stock=10)
    scarce = create_product(stack, name=unique("Rare print "), price=9900, stock=2)
    user = stack.new_user()
    shop = open_shop()
    page = shop.page
    sign_in(shop, user["email"], user["password"])
    _add_from_product_page(shop, plenty["id"], 1)
    _add_from_product_page(shop, scarce["id"], 2)
    shop.goto("/#/checkout")
    _fill_new_address(shop)
    sold = stack.client.patch(
        f"/products/{scarce['id']}/stock",
        headers=Stack.auth(stack.admin_token()),
        json={"stock": 1},
    )
    assert sold.status_code == 200, sold.text
    page.get_by_role("button", name="Place order").click()

    status = page.locator(".checkout-status")
    expect(status).to_contain_text(f"Sold out meanwhile: {scarce['name']} (1 available)")
    assert plenty["name"] not in (status.text_content() or "")
    assert stock_of(stack, plenty["id"]) == 10 and stock_of(stack, scarce["id"]) == 1
