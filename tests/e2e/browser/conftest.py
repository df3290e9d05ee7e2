"""Chromium (Debian's, never Playwright's download) driving the storefront on the e2e stack."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright

from tests.support.stack import Stack
from tests.support.storefront import DESKTOP, WINDOW, WINDOW_CATEGORY, Shop, create_product

CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


# Package scope: Playwright's sync API drives its own event loop while it runs, so it must
# be stopped before the async end-to-end tests outside this package use theirs.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def _policy_violation(shop: Shop, message: ConsoleMessage) -> None:
    if "Content Security Policy" in message.text:
        shop.errors.append(message.text)


@pytest.fixture
def open_shop(browser: Browser, stack: Stack) -> Iterator[Callable[[], Shop]]:
    """Opens fresh browser contexts; fails the test on any script error or CSP violation."""
    opened: list[Shop] = []

    def _open() -> Shop:
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        shop = Shop(stack, context, page, [])
        page.on("pageerror", lambda exc: shop.errors.append(str(exc)))
        page.on("console", lambda msg: _policy_violation(shop, msg))
        page.on("dialog", lambda dialog: dialog.accept())
        opened.append(shop)
        return shop

    yield _open
    errors = [e for shop in opened for e in shop.errors]
    for shop in opened:
        shop.context.close()
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture(scope="session")
def shop_window(stack: Stack) -> list[dict[str, Any]]:
    """Thirteen kitchen products (one sold out, one nearly): more than one catalog page."""
    return [
        create_product(stack, name=name, price=price, stock=stock, category=WINDOW_CATEGORY)
        for name, price, stock in WINDOW
    ]
