"""What the gateway answers itself: health, readiness and CORS preflights (metrics are
served on their own port, see __main__)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.types import Send

from shop.common.readiness import READY_PATH, Check, readiness
from shop.gateway import docs_page
from shop.gateway.apidocs import OPENAPI_PATH
from shop.gateway.asgi import Headers, json_body, send_response
from shop.gateway.exchange import Exchange
from shop.gateway.routing import HEALTH_PATH, UNMATCHED

# First path segments the gateway answers itself (health, readiness, API documentation).
LOCAL_SEGMENTS = frozenset({"health", OPENAPI_PATH[1:], docs_page.DOCS_PATH[1:]})


async def answer_local(
    ex: Exchange,
    segment: str,
    *,
    checks: list[Check],
    openapi: Callable[[], Awaitable[dict[str, Any]]],
) -> tuple[str, int]:
    """Health, readiness or the API documentation; the route label and the status sent."""
    head, path = ex.head, ex.path
    if path == HEALTH_PATH:
        return path, await send_health(ex.send, ex.extra, head=head)
    if path == READY_PATH:
        return path, await send_ready(ex.send, checks, ex.extra, head=head)
    if path == OPENAPI_PATH:
        return path, await send_openapi(ex.send, await openapi(), ex.extra, head=head)
    if segment == docs_page.DOCS_PATH[1:]:
        return docs_page.DOCS_PATH, await send_docs(ex.send, path, ex.extra, head=head)
    return UNMATCHED, await ex.fail(404, "Route not found")


async def send_health(send: Send, headers: Headers, *, head: bool) -> int:
    """200 with the contract's health shape (success is there for envelope-minded clients)."""
    now = datetime.now(UTC).isoformat()
    body = json_body({"success": True, "status": "healthy", "timestamp": now})
    await send_response(send, 200, body, headers, head=head)
    return 200


async def send_ready(send: Send, checks: list[Check], headers: Headers, *, head: bool) -> int:
    """200 when every service has a replica up, else 503; the contract's readiness body."""
    status, body = await readiness(checks)
    await send_response(send, status, json_body(body), headers, head=head)
    return status


async def send_preflight(send: Send, headers: Headers) -> int:
    """204 for an allowed preflight; `headers` already holds the CORS answer."""
    await send_response(send, 204, b"", headers, content_type=None)
    return 204


async def send_openapi(send: Send, doc: dict[str, Any], headers: Headers, *, head: bool) -> int:
    """200 with the public API's OpenAPI document."""
    await send_response(send, 200, json_body(doc), headers, head=head)
    return 200


async def send_docs(send: Send, path: str, headers: Headers, *, head: bool) -> int:
    """The documentation page or one of its local assets; 404 for anything else."""
    if path == docs_page.DOCS_PATH:
        body, content_type = docs_page.PAGE, b"text/html; charset=utf-8"
    else:
        found = docs_page.asset(path.removeprefix(docs_page.DOCS_PATH + "/"))
        if found is None:
            await send_response(send, 404, json_body({"success": False}), headers, head=head)
            return 404
        body, content_type = found
    more = [*headers, (b"content-security-policy", docs_page.CSP)]
    await send_response(send, 200, body, more, content_type=content_type, head=head)
    return 200
