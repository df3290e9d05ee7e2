"""The storefront's static files as the gateway serves them (in-process, no sockets)."""

from __future__ import annotations

import re
import uuid
from importlib.resources import files

import pytest

from shop.gateway.app import Gateway
from shop.gateway.settings import GatewaySettings
from shop.gateway.site import CONTENT_SECURITY_POLICY, Site
from tests.support.asgi_driver import call
from tests.support.tokens import SECRET

STATIC = files("shop.storefront") / "static"
FORBIDDEN_IN_SCRIPTS = (
    "eval(",
    "new Function",
    ".innerHTML",
    "insertAdjacentHTML",
    "document.write",
    "http://",
)


def _gateway() -> Gateway:
    settings = GatewaySettings(
        jwt_secret=SECRET, redis_url=None, rate_limit_key_prefix=uuid.uuid4().hex
    )
    return Gateway(settings)


@pytest.mark.parametrize(
    ("path", "kind", "marker"),
    [
        ("/", "text/html; charset=utf-8", b"/assets/js/store.js"),
        ("/admin", "text/html; charset=utf-8", b"/assets/js/admin.js"),
        ("/admin/", "text/html; charset=utf-8", b"/assets/js/admin.js"),
        ("/assets/js/store.js", "text/javascript; charset=utf-8", b"startRouter"),
        ("/assets/css/shop.css", "text/css; charset=utf-8", b":root"),
    ],
)
async def test_pages_and_assets_are_served_with_a_strict_policy(
    path: str, kind: str, marker: bytes
) -> None:
    answer = await call(_gateway(), "GET", path)
    assert answer.status == 200
    assert answer.headers["content-type"] == kind
    assert marker in answer.body
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "x-request-id" in answer.headers


def test_policy_allows_no_inline_script_eval_or_foreign_host() -> None:
    script_src = re.search(r"script-src ([^;]+)", CONTENT_SECURITY_POLICY)
    assert script_src is not None and script_src.group(1).strip() == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_pages_hold_no_inline_script_or_style_and_fetch_nothing_from_elsewhere() -> None:
    pages = [STATIC / "index.html", STATIC / "admin.html"]
    for page in pages:
        html = page.read_text()
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, page.name
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
        assert re.search(r"(src|href)=\"(https?:)?//", html) is None, page.name


def test_scripts_never_use_eval_or_inner_html() -> None:
    site = Site()
    scripts = {p: a.body.decode() for p, a in site.assets.items() if p.endswith(".js")}
    assert len(scripts) > 5
    for path, text in scripts.items():
        for forbidden in FORBIDDEN_IN_SCRIPTS:
            assert forbidden not in text, (path, forbidden)


async def test_a_current_copy_gets_304() -> None:
    app = _gateway()
    first = await call(app, "GET", "/assets/js/api.js")
    again = await call(app, "GET", "/assets/js/api.js", {"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    stale = await call(app, "GET", "/assets/js/api.js", {"If-None-Match": '"old"'})
    assert stale.status == 200 and stale.body == first.body


async def test_head_has_the_length_and_no_body() -> None:
    answer = await call(_gateway(), "HEAD", "/")
    assert answer.status == 200 and answer.body == b""
    assert int(answer.headers["content-length"]) > 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/"),
        ("DELETE", "/admin"),
        ("GET", "/assets/"),
        ("GET", "/assets/js/missing.js"),
        ("GET", "/assets/../index.html"),
        ("GET", "/index.html"),
        ("GET", "/admin/products"),
    ],
)
async def test_anything_else_is_the_usual_404_envelope(method: str, path: str) -> None:
    answer = await call(_gateway(), method, path)
    assert answer.status == 404
    assert answer.json()["message"] == "Route not found"


async def test_the_storefront_never_shadows_the_api() -> None:
    # /products and /orders are still routed (here: no upstream, or no token), never a page.
    app = _gateway()
    orders = await call(app, "GET", "/orders")
    assert orders.status == 401 and orders.headers["content-type"] == "application/json"
    site = Site()
    api_prefixes = ("/auth", "/users", "/products", "/orders", "/health", "/metrics")
    assert not [p for p in site.assets if p.startswith(api_prefixes)]
