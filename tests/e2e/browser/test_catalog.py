"""The catalog in a real browser: the API's filters, sorting and pages, all held in the URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.support.storefront import WINDOW_CATEGORY, Shop

CARD_NAMES = ".product-card .card-title"


def test_filters_sorting_and_pages_live_in_a_shareable_url(
    open_shop: Callable[[], Shop], shop_window: list[dict[str, Any]]
) -> None:
    shop = open_shop()
    page = shop.page
    shop.goto("/")
    page.get_by_label("Category").select_option(WINDOW_CATEGORY)
    expect(page.locator("#result-count")).to_have_text("13 products")
    expect(page.locator(".product-card")).to_have_count(12)  # one page of twelve
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    shop.snap("catalog")

    page.get_by_label("Sort by").select_option(label="Price: low to high")
    expect(page.locator(CARD_NAMES).first).to_have_text("Herb Scissors")
    page.get_by_label("In stock only").check()
    expect(page.locator("#result-count")).to_have_text("12 products")
    page.get_by_label("Minimum price in dollars").fill("20")
    page.get_by_label("Maximum price in dollars").fill("40.00")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(CARD_NAMES)).to_have_text(
        [
            "Espresso Cups",
            "Copper Measuring Cups",
            "Linen Apron",
            "Stoneware Bowls",
            "Oak Chopping Board",
        ]
    )
    url = page.url
    for part in ("category=kitchen", "sortBy=price", "inStock=true", "minPrice=2000"):
        assert part in url, url

    # The same URL in another browser shows the same page.
    other = open_shop()
    other.page.goto(url)
    expect(other.page.locator(CARD_NAMES)).to_have_count(5)
    expect(other.page.get_by_label("In stock only")).to_be_checked()


def test_pages_sold_out_state_and_keyboard_search(
    open_shop: Callable[[], Shop], shop_window: list[dict[str, Any]]
) -> None:
    shop = open_shop()
    page = shop.page
    shop.goto(f"/#/?category={WINDOW_CATEGORY}&sortBy=name&sortOrder=asc")
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(CARD_NAMES)).to_have_text(["Stoneware Bowls"])
    assert "page=2" in page.url
    shop.goto(f"/#/?category={WINDOW_CATEGORY}&searchTerm=Teapot")
    card = page.locator(".product-card")
    expect(card).to_contain_text("Out of stock")
    expect(card.get_by_role("button")).to_be_disabled()
    expect(page.locator(".product-card .stock")).to_have_text("Out of stock")

    # Keyboard only: skip link, brand, then the search box.
    shop.goto("/")
    expect(page.locator(".product-card").first).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search products")).to_be_focused()
    page.keyboard.type("Skillet")
    page.keyboard.press("Enter")
    expect(page.locator(CARD_NAMES)).to_have_text(["Cast Iron Skillet"])
    expect(page.locator(".product-card .stock")).to_have_text("Only 2 left")
    page.locator(".product-card .card-link").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cast Iron Skillet")).to_be_visible()
    shop.snap("product")


def test_the_page_refuses_injected_inline_script(open_shop: Callable[[], Shop]) -> None:
    shop = open_shop()
    shop.goto("/")
    expect(shop.page.locator("#main .page")).to_be_attached()
    ran = shop.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s);"
        " return window.injected === true; }"
    )
    assert ran is False
    shop.page.wait_for_timeout(200)
    assert any("Content Security Policy" in e for e in shop.errors), shop.errors
    shop.errors.clear()  # the violation was the point of this test
