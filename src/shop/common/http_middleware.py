"""Pure-ASGI middleware for the services' REST apps: request id, gateway secret, metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.common.context import REQUEST_ID_HEADER, accept_request_id, set_request_id
from shop.common.envelope import error
from shop.common.logging import get_logger
from shop.common.metrics import HTTP_LATENCY, HTTP_REQUESTS, Children
from shop.common.readiness import READY_PATH
from shop.common.security import GATEWAY_SECRET_HEADER, secret_matches

log = get_logger("shop.http")
_REQUESTS, _LATENCY = Children(HTTP_REQUESTS), Children(HTTP_LATENCY)
# Any token is a valid HTTP method; label values must stay bounded.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OPEN_PATHS = frozenset({"/health", READY_PATH, "/metrics"})
# When an app in front read the body before this ran (http_hot_route), it started the clock.
REQUEST_STARTED = "shop.request_started"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ServiceMiddleware:
    """Sets the request id, refuses calls without the gateway secret, records metrics."""

    def __init__(self, app: ASGIApp, *, service: str, secrets: Sequence[str]) -> None:
        self.app = app
        self.service = service
        self.secrets = list(secrets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, REQUEST_ID_HEADER.encode()))
        set_request_id(request_id)
        started: float = scope.get(REQUEST_STARTED) or time.perf_counter()
        status = 500
        id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), id_header]
            await send(message)

        path: str = scope["path"]
        try:
            if path not in OPEN_PATHS and not secret_matches(
                _header(scope, GATEWAY_SECRET_HEADER.encode()), self.secrets
            ):
                await _refuse(send_with_id, request_id)
                return
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_template(scope)
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            _REQUESTS(self.service, method, route, str(status)).inc()
            _LATENCY(self.service, method, route).observe(elapsed)
            if path not in OPEN_PATHS:
                log.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


def _route_template(scope: Scope) -> str:
    # The matched route's template keeps metric labels bounded (no raw ids).
    route = scope.get("route")
    template = getattr(route, "path", None)
    return str(template) if template else "unmatched"


async def _refuse(send: Send, request_id: str) -> None:
    body = orjson.dumps(error("Missing or invalid gateway secret", request_id=request_id))
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
