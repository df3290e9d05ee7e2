"""The storefront in a browser (one Shop per browser context) and the API shortcuts the
browser tests take to set the scene."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, ViewportSize

from tests.support.stack import Stack

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Screenshots of the main pages; README and docs/screenshots take theirs from here.
SCREENSHOTS = Path(os.environ.get("SHOP_SCREENSHOT_DIR", "var/screenshots"))


@dataclass
class Shop:
    """One browser context (its own storage, so its own session and cart) on the stack."""

    stack: Stack
    context: BrowserContext
    page: Page
    errors: list[str]

    def goto(self, route: str) -> None:
        """Opens a storefront route such as '/', '/#/cart' or '/admin'."""
        self.page.goto(self.stack.gateway_url + route)

    def snap(self, name: str) -> None:
        """Saves this page at desktop and at phone width."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_load_state("networkidle")
        # Toasts are transient; a screenshot shows the page itself.
        self.page.evaluate("() => document.getElementById('toasts')?.replaceChildren()")
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"))
        self.page.set_viewport_size(PHONE)
        self.page.wait_for_timeout(150)  # layout settles; matchMedia listeners run
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"))
        self.page.set_viewport_size(DESKTOP)
        self.page.wait_for_timeout(150)

    def session(self) -> dict[str, Any] | None:
        """The session the page keeps in localStorage."""
        stored: dict[str, Any] | None = self.page.evaluate(
            "() => JSON.parse(localStorage.getItem('shop.session'))"
        )
        return stored


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create_product(
    stack: Stack, *, name: str, price: int, stock: int, category: str = "e2e-browser"
) -> dict[str, Any]:
    """A product made through the API by the stack's admin."""
    resp = stack.client.post(
        "/products",
        headers=Stack.auth(stack.admin_token()),
        json={
            "name": name,
            "description": f"{name}, made by the browser tests.",
            "price": price,
            "category": category,
            "sku": unique("WEB-").upper(),
            "stock": stock,
            "lowStockThreshold": 2,
            "attributes": {"colour": "green"},
        },
    )
    assert resp.status_code == 201, resp.text
    product: dict[str, Any] = resp.json()["data"]
    return product


def orders_of(stack: Stack, email: str, password: str) -> list[dict[str, Any]]:
    token = stack.login(email, password)["accessToken"]
    resp = stack.client.get("/orders", headers=Stack.auth(token), params={"limit": 100})
    assert resp.status_code == 200, resp.text
    orders: list[dict[str, Any]] = resp.json()["data"]
    return orders


def sign_in(shop: Shop, email: str, password: str) -> None:
    """Signs in through the storefront's own form."""
    shop.goto("/#/login")
    shop.page.get_by_label("Email").fill(email)
    shop.page.get_by_label("Password").fill(password)
    shop.page.get_by_role("button", name="Sign in").click()
    shop.page.wait_for_function("() => localStorage.getItem('shop.session') !== null")


# A small shop window in its own category, so catalog tests and screenshots look like a shop.
WINDOW_CATEGORY = "kitchen"
WINDOW = [
    ("Enamel Kettle", 4200, 14),
    ("Linen Apron", 2600, 30),
    ("Oak Chopping Board", 3400, 9),
    ("Cast Iron Skillet", 5900, 2),
    ("Ceramic Teapot", 3800, 0),
    ("Copper Measuring Cups", 2200, 40),
    ("Glass Storage Jars", 1800, 55),
    ("Chef's Knife", 8900, 11),
    ("Bamboo Utensil Set", 1500, 60),
    ("Stoneware Bowls", 3100, 24),
    ("Espresso Cups", 2000, 18),
    ("Herb Scissors", 1200, 35),
    ("Pour-over Coffee Set", 4600, 7),
]
