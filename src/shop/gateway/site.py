"""The storefront's static files, held in memory and answered before any 404.

Only paths no API route owns are served (`/`, `/admin`, `/assets/...`), and only after the
route table missed, so the proxy's hot path pays nothing for them.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from starlette.types import Send

from shop.gateway.asgi import Headers, send_response, send_whole

ASSET_PREFIX = "/assets/"
SITE_ROUTE = "storefront"  # the metrics label of every static answer

# The pages hold the session tokens, so scripts may come from this origin only: no inline
# script, no eval, nothing from another host, and no framing (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_SECURITY_HEADERS: Headers = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # No build step fingerprints the file names, so browsers revalidate (a cheap 304).
    (b"cache-control", b"no-cache"),
]
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_PAGES = {"/": "index.html", "/admin": "admin.html", "/admin/": "admin.html"}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: bytes
    etag: bytes


def _asset(file: Traversable) -> Asset:
    body = file.read_bytes()
    suffix = "." + file.name.rsplit(".", 1)[-1] if "." in file.name else ""
    kind = _TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith(("+xml", "/json")):
        kind += "; charset=utf-8"
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, kind.encode(), etag.encode())


def _walk(folder: Traversable, prefix: str) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for entry in folder.iterdir():
        if entry.is_dir():
            found |= _walk(entry, f"{prefix}{entry.name}/")
        elif not entry.name.startswith("."):
            found[prefix + entry.name] = _asset(entry)
    return found


class Site:
    """Every page and asset, read once at start-up (a few hundred kilobytes)."""

    def __init__(self, root: Traversable | None = None) -> None:
        root = root or files("shop.storefront") / "static"
        self.assets = _walk(root / "assets", ASSET_PREFIX)
        for path, name in _PAGES.items():
            self.assets[path] = _asset(root / name)

    def lookup(self, method: str, path: str) -> Asset | None:
        """The asset served at this path, or None (GET and HEAD only)."""
        if method not in ("GET", "HEAD"):
            return None
        return self.assets.get(path)


async def send_asset(
    send: Send, asset: Asset, extra: Headers, *, if_none_match: str | None, head: bool
) -> int:
    """200 with the file, or 304 when the client's copy is current; returns the status."""
    headers = [*extra, *_SECURITY_HEADERS, (b"etag", asset.etag)]
    if if_none_match is not None and asset.etag.decode() in if_none_match:
        await send_whole(send, 304, headers, b"")
        return 304
    await send_response(send, 200, asset.body, headers, content_type=asset.content_type, head=head)
    return 200
