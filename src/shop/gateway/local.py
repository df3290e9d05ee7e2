"""What the gateway answers itself: health, metrics and CORS preflights."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.types import Send

from shop.gateway import metrics
from shop.gateway.asgi import Headers, json_body, send_response
from shop.gateway.routing import HEALTH_PATH


async def send_health(send: Send, headers: Headers, *, head: bool) -> int:
    """200 with the contract's health shape (success is there for envelope-minded clients)."""
    now = datetime.now(UTC).isoformat()
    body = json_body({"success": True, "status": "healthy", "timestamp": now})
    await send_response(send, 200, body, headers, head=head)
    return 200


async def send_metrics(send: Send, headers: Headers, *, head: bool) -> int:
    """200 with the Prometheus text exposition."""
    body, content_type = metrics.render()
    await send_response(send, 200, body, headers, content_type=content_type.encode(), head=head)
    return 200


async def send_local(send: Send, path: str, headers: Headers, *, head: bool) -> int:
    """Answers /health or /metrics; returns the status sent."""
    if path == HEALTH_PATH:
        return await send_health(send, headers, head=head)
    return await send_metrics(send, headers, head=head)


async def send_preflight(send: Send, headers: Headers) -> int:
    """204 for an allowed preflight; `headers` already holds the CORS answer."""
    await send_response(send, 204, b"", headers, content_type=None)
    return 204
