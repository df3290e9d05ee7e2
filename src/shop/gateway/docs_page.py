"""/docs: Swagger UI from the files of the swagger-ui-bundle package, no internet asset."""

from __future__ import annotations

import functools
from pathlib import Path

import swagger_ui_bundle

# The package ships Swagger UI's dist files; nothing is fetched from a CDN.
_DIST = Path(str(swagger_ui_bundle.swagger_ui_path))

DOCS_PATH = "/docs"
_ASSETS = {
    "swagger-ui.css": b"text/css; charset=utf-8",
    "swagger-ui-bundle.js": b"text/javascript; charset=utf-8",
    "docs-init.js": b"text/javascript; charset=utf-8",
}
# The page's script is a file of its own, so a strict Content-Security-Policy holds.
_INIT = b"""window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, persistAuthorization: false, validatorUrl: null});
"""
PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>shop API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
"""
CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self'; connect-src 'self'"
)


def asset(name: str) -> tuple[bytes, bytes] | None:
    """(body, content type) of a /docs/<name> asset, or None."""
    content_type = _ASSETS.get(name)
    if content_type is None:
        return None
    if name == "docs-init.js":
        return _INIT, content_type
    return _read(name), content_type


@functools.cache
def _read(name: str) -> bytes:
    return (_DIST / name).read_bytes()
