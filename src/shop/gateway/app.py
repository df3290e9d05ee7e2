"""The gateway as a plain ASGI app: request id, CORS, auth, rate limit, then the proxy."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import aiohttp
from starlette.types import Receive, Scope, Send

from shop.common.context import REQUEST_ID_HEADER, set_request_id
from shop.common.logging import get_logger
from shop.common.readiness import READY_PATH
from shop.common.tokens import InvalidTokenError, Principal
from shop.gateway import metrics
from shop.gateway.apidocs import ApiDocs
from shop.gateway.asgi import BodyTooLarge, read_body
from shop.gateway.auth import TokenVerifier
from shop.gateway.cors import Cors
from shop.gateway.exchange import Exchange
from shop.gateway.failover import forward_to_a_replica
from shop.gateway.headers import upstream_headers
from shop.gateway.local import LOCAL_SEGMENTS, answer_local, send_preflight
from shop.gateway.proxy import UpstreamError, create_pool, create_session, relay
from shop.gateway.ratelimit import GatewayRateLimiter
from shop.gateway.readiness import gateway_checks, replica_urls
from shop.gateway.replica_probe import ReplicaProbe
from shop.gateway.routing import (
    HEALTH_PATH,
    UNMATCHED,
    Route,
    build_routes,
    build_services,
    first_segment,
    has_dot_segment,
    is_auth_limited,
    is_public,
)
from shop.gateway.settings import GatewaySettings
from shop.gateway.site import SITE_ROUTE, Site, send_asset

log = get_logger("shop.gateway")
_LOCAL_PATHS = frozenset({HEALTH_PATH, READY_PATH})
_REQUEST_ID = REQUEST_ID_HEADER.encode()


class Gateway:
    """ASGI entry point; owns the upstream connections, closed by the lifespan."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.services = build_services(settings)
        self.routes = build_routes(self.services)
        self.cors = Cors(settings.cors_origin_list)
        self.limiter = GatewayRateLimiter(settings)
        self.tokens = TokenVerifier(secret=settings.jwt_secret)
        self.secret = settings.gateway_secrets[0]
        self._secret_bytes = self.secret.encode()
        self.pool = create_pool(settings)
        self.site = Site()
        self.session: aiohttp.ClientSession | None = None
        self.probe: ReplicaProbe | None = None
        self.checks = gateway_checks(settings, self._session)
        self.apidocs = ApiDocs(replica_urls(settings))
        self.request_log: Any = log

    def _session(self) -> aiohttp.ClientSession:
        assert self.session is not None, "the lifespan opens the session before any request"
        return self.session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Requests are handled here, not in a method of their own: one coroutine less each.
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
            return
        started = time.perf_counter()
        ex = Exchange.start(scope, receive, send)
        set_request_id(ex.request_id)
        ex.extra = [(_REQUEST_ID, ex.request_id.encode()), *self.cors.response_headers(ex.origin)]
        route, status = UNMATCHED, 500
        try:
            route, status = await self._dispatch(ex)
        except Exception:
            # Logged for operators; the client gets the envelope, never a stack trace.
            log.exception("gateway_error", method=ex.method, path=ex.path)
            with contextlib.suppress(Exception):  # the response may already have started
                await ex.fail(500, "Internal gateway error")
        finally:
            elapsed = time.perf_counter() - started
            metrics.observe_request(ex.method, route, status, elapsed)
            request_log = self.request_log
            emit = request_log.debug if ex.path in _LOCAL_PATHS else request_log.info
            ms = round(elapsed * 1000, 2)
            emit("request", method=ex.method, route=route, status=status, duration_ms=ms)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.session = create_session(self.settings)
                self.probe = ReplicaProbe(
                    self.session, self.services.values(), self.settings.upstream_probe_seconds
                )
                self.probe.start()
                redis_ok = await self.limiter.check_storage() if self.limiter.uses_redis else None
                log.info("gateway_started", routes=sorted(self.routes), redis_ok=redis_ok)
                # The logging configuration is final by now: resolved once, the request line
                # skips structlog's lazy proxy (a lookup and a bind on every request).
                self.request_log = log.bind()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _close(self) -> None:
        if self.probe is not None:
            await self.probe.stop()
        if self.session is not None:
            await self.session.close()
        self.pool.close()
        await self.limiter.close()

    async def _dispatch(self, ex: Exchange) -> tuple[str, int]:
        """Answers one request; returns its route label and the status sent."""
        origin = ex.origin
        if ex.method == "OPTIONS" and origin and b"access-control-request-method" in ex.headers:
            if not self.cors.allowed(origin):
                return "preflight", await ex.fail(403, "Origin not allowed")
            requested = ex.header(b"access-control-request-headers")
            preflight = self.cors.preflight_headers(origin, requested)
            return "preflight", await send_preflight(ex.send, [ex.extra[0], *preflight])
        segment = first_segment(ex.path)
        if segment in LOCAL_SEGMENTS and ex.method in ("GET", "HEAD"):
            return await answer_local(ex, segment, checks=self.checks, openapi=self._openapi)
        route = None if has_dot_segment(ex.path) else self.routes.get(segment)
        if route is None:
            # Only what no API route owns reaches the storefront: it never shadows the API.
            asset = self.site.lookup(ex.method, ex.path)
            if asset is not None:
                inm = ex.header(b"if-none-match")
                return SITE_ROUTE, await send_asset(
                    ex.send, asset, ex.extra, if_none_match=inm, head=ex.head
                )
            return UNMATCHED, await ex.fail(404, "Route not found")
        return route.label, await self._guarded(ex, route)

    async def _openapi(self) -> dict[str, Any]:
        return await self.apidocs.document(self._session(), self.secret)

    async def _guarded(self, ex: Exchange, route: Route) -> int:
        """Authenticates and rate-limits a routed request, then proxies it."""
        principal: Principal | None = None
        auth_error: str | None = None
        try:
            principal = self.tokens.principal(ex.header(b"authorization"))
        except InvalidTokenError:
            auth_error = "Invalid or expired token"
        if principal is None and auth_error is None and not is_public(ex.method, ex.path):
            auth_error = "Authentication required"

        # Counted before any 401, so guessing tokens is throttled like everything else.
        if is_auth_limited(ex.method, ex.path):
            decision = await self.limiter.hit_auth(client_ip=ex.client_ip)
        else:
            user_id = principal.user_id if principal else None
            decision = await self.limiter.hit_default(user_id=user_id, client_ip=ex.client_ip)
        ex.extra += decision.headers()
        if not decision.allowed:
            metrics.RATE_LIMITED.labels(route.label).inc()
            return await ex.fail(429, "Too many requests, slow down")
        if auth_error is not None:
            return await ex.fail(401, auth_error, [(b"www-authenticate", b"Bearer")])
        return await self._proxy(ex, route, principal)

    async def _proxy(self, ex: Exchange, route: Route, principal: Principal | None) -> int:
        """Forwards the request to its service and relays the answer."""
        body = None
        if ex.may_have_body:
            try:
                body = await read_body(ex.receive, self.settings.max_body_bytes)
            except BodyTooLarge:
                return await ex.fail(413, "Request body too large")
        forwarded = upstream_headers(
            ex.scope["headers"],
            principal=principal,
            secret=self._secret_bytes,
            request_id=ex.request_id,
            client_ip=ex.client_ip,
            scheme=ex.scope.get("scheme", "http"),
        )
        try:
            resp = await forward_to_a_replica(self.pool, ex, route, forwarded, body)
        except UpstreamError as exc:
            log.warning("upstream_failed", route=route.label, kind=exc.kind)
            return await ex.fail(exc.status, exc.message)
        await relay(ex.send, resp, ex.extra, head=ex.head)
        return resp.status
