"""One hot route of a FastAPI app answered without FastAPI's routing and dependency solving.

The route stays declared in the app (its OpenAPI entry, and the answer to every request the
lean path declines); the lean path runs inside the same middleware and exception handlers,
so request ids, the gateway secret, metrics, the access log and error envelopes are theirs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.common import tracing
from shop.common.http_middleware import REQUEST_STARTED

# The prepared call: runs the use case and gives the response to send.
Call = Callable[[], Awaitable[Response]]
# From the request's scope and whole body, the call; None to leave the request to FastAPI.
Prepare = Callable[[Scope, bytes], Call | None]
_CALL = "shop.hot_route.call"


def with_hot_route(app: FastAPI, *, route: APIRoute, prepare: Prepare) -> ASGIApp:
    """`app` with `route` (one of its own, one method) on the lean path; `app` itself where
    the lean path would not send what FastAPI sends: with tracing on (FastAPI's
    instrumentation names the server span from its routing) or a body size limit."""
    if tracing.enabled() or app.max_body_size is not None:
        return app
    return HotRoute(app, route=route, prepare=prepare)


class HotRoute:
    """ASGI app in front of a FastAPI app that serves one method and path itself."""

    def __init__(self, app: FastAPI, *, route: APIRoute, prepare: Prepare) -> None:
        assert route.methods and len(route.methods) == 1, "a hot route answers one method"
        self.method = next(iter(route.methods))
        self.app, self.route, self.path, self.prepare = app, route, route.path, prepare
        self.stack = _stack_without_routing(app, self._endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != self.method:
            await self.app(scope, receive, send)
            return
        scope[REQUEST_STARTED] = time.perf_counter()  # the body's upload counts, as in FastAPI
        messages, body = await _read_body(receive)
        call = None if body is None else self.prepare(scope, body)
        if call is None:
            # FastAPI answers from the very messages it would have received.
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["app"] = self.app  # as Starlette sets it, for a handler reading `request.app`
        scope[_CALL] = call
        await self.stack(scope, receive, send)

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Set here, as FastAPI's router sets it once the secret passed: the metrics' label.
        scope["route"] = self.route
        response = await scope.pop(_CALL)()
        await response(scope, receive, send)


def _stack_without_routing(app: FastAPI, endpoint: ASGIApp) -> ASGIApp:
    # FastAPI's build_middleware_stack around `endpoint` instead of the router, less the
    # layers that pass a request through untouched here: native telemetry's (off without
    # tracing), the body limit's (none) and the exit stack's (the endpoint opens no files).
    handlers, on_error = {}, None
    for key, handler in app.exception_handlers.items():
        if key in (500, Exception):
            on_error = handler
        else:
            handlers[key] = handler
    stack: ASGIApp = ExceptionMiddleware(endpoint, handlers=handlers, debug=app.debug)
    for cls, args, kwargs in reversed(app.user_middleware):
        stack = cls(stack, *args, **kwargs)
    return ServerErrorMiddleware(stack, handler=on_error, debug=app.debug)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The messages received and the whole body; None when the client left first."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = iter(messages)

    async def replay() -> Message:
        return next(pending, None) or await receive()

    return replay
