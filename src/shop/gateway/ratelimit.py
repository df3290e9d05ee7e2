"""Rate limits with `limits`: per user when authenticated, per IP otherwise, stricter on auth."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, parse
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.storage import storage_from_string

from shop.common.logging import get_logger
from shop.common.repeated_warning import RepeatedWarning
from shop.gateway.fixed_windows import FixedWindows
from shop.gateway.settings import GatewaySettings

log = get_logger("shop.gateway.ratelimit")

_STRATEGIES: dict[str, type[RateLimiter]] = {
    "fixed-window": FixedWindowRateLimiter,
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit: allowed or not, and what the client is told about it."""

    allowed: bool
    limit: int
    retry_after: int = 0  # whole seconds until the window frees up; >= 1 when refused

    def headers(self) -> list[tuple[bytes, bytes]]:
        """What the client is told; the same list for every allowed hit (never change it)."""
        if self.allowed:
            return _allowed_headers(self.limit)
        seconds = str(self.retry_after).encode()
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"retry-after", seconds),
            (b"x-ratelimit-remaining", b"0"),
            (b"x-ratelimit-reset", seconds),
        ]


@functools.lru_cache(maxsize=64)
def _allowed_headers(limit: int) -> list[tuple[bytes, bytes]]:
    return [(b"x-ratelimit-limit", str(limit).encode())]


@functools.lru_cache(maxsize=64)
def _allowed(limit: int) -> Decision:
    # One shared (frozen) decision per limit: every allowed hit answers the same.
    return Decision(allowed=True, limit=limit)


class GatewayRateLimiter:
    """Counts hits in memory, or in Redis when REDIS_URL is set (shared by replicas)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.default_limit: RateLimitItem = parse(settings.rate_limit_default)
        self.auth_limit: RateLimitItem = parse(settings.rate_limit_auth)
        self.prefix = settings.rate_limit_key_prefix
        self.storage_uri = settings.rate_limit_storage_uri
        # Our own pool, so shutdown can close its sockets; short timeouts so a stuck Redis
        # costs a request at most a second before failing open.
        self._pool: aioredis.ConnectionPool[Any] | None = None
        options: dict[str, Any] = {}
        if settings.redis_url:
            self._pool = aioredis.ConnectionPool.from_url(
                settings.redis_url, socket_connect_timeout=1.0, socket_timeout=1.0
            )
            options = {"implementation": "redispy", "connection_pool": self._pool}
        # The default (fixed windows, no Redis) is counted here directly: `limits` costs
        # several times more per hit for the same answer.
        self._in_memory: dict[int, FixedWindows] | None = None
        if self._pool is None and settings.rate_limit_strategy == "fixed-window":
            limits = (self.default_limit, self.auth_limit)
            self._in_memory = {id(item): FixedWindows(item) for item in limits}
        storage = storage_from_string(self.storage_uri, **options)
        self._limiter = _STRATEGIES[settings.rate_limit_strategy](storage)
        self._storage_down = RepeatedWarning(
            log,
            "ratelimit_storage_unavailable",
            back_event="ratelimit_storage_back",
            hint="requests are let through unlimited until it is back",
        )

    @property
    def uses_redis(self) -> bool:
        return self._pool is not None

    async def close(self) -> None:
        """Closes the Redis connections, if any."""
        if self._pool is not None:
            await self._pool.disconnect()

    async def hit_default(self, *, user_id: str | None, client_ip: str) -> Decision:
        """One request against the general limit: keyed by user id, else by client IP."""
        kind, identity = ("user", user_id) if user_id is not None else ("ip", client_ip)
        decision = self._hit_locally(self.default_limit, kind, identity)
        if decision is not None:
            return decision
        return await self._hit_storage(self.default_limit, kind, identity)

    async def hit_auth(self, *, client_ip: str) -> Decision:
        """One login/register attempt against the stricter per-IP limit."""
        decision = self._hit_locally(self.auth_limit, "auth-ip", client_ip)
        if decision is not None:
            return decision
        return await self._hit_storage(self.auth_limit, "auth-ip", client_ip)

    def _hit_locally(self, item: RateLimitItem, kind: str, identity: str) -> Decision | None:
        """The decision when no storage is asked (limits off, or counted in memory), else None.
        Not a coroutine: this is every request's path."""
        if not self.enabled:
            return _allowed(item.amount)
        if self._in_memory is None:
            return None
        ends_at = self._in_memory[id(item)].hit((kind, identity))
        if ends_at is None:
            return _allowed(item.amount)
        retry_after = max(1, math.ceil(ends_at - time.time()))
        return Decision(allowed=False, limit=item.amount, retry_after=retry_after)

    async def _hit_storage(self, item: RateLimitItem, kind: str, identity: str) -> Decision:
        try:
            allowed = await self._limiter.hit(item, self.prefix, kind, identity)
            stats = (
                None
                if allowed
                else await self._limiter.get_window_stats(item, self.prefix, kind, identity)
            )
        except Exception as exc:
            # Fail open: a limiter outage must not take the whole platform down with it.
            self._storage_down.failed(error_type=type(exc).__name__)
            return _allowed(item.amount)
        if self._storage_down.active:
            self._storage_down.recovered()
        if stats is None:
            return _allowed(item.amount)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed=False, limit=item.amount, retry_after=retry_after)

    async def check_storage(self) -> bool:
        """True when the storage answers (logged at start-up; Redis may come later)."""
        try:
            return bool(await self._limiter.storage.check())
        except Exception:
            return False
