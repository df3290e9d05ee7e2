"""The gateway's settings: the common ones plus ports, limits, timeouts and CORS."""

from __future__ import annotations

from typing import Literal

from limits import parse
from pydantic import Field, field_validator

from shop.common.settings import CommonSettings

RateLimitStrategy = Literal["fixed-window", "moving-window", "sliding-window-counter"]


class GatewaySettings(CommonSettings):
    """Read once at start-up; every field has an env var of the same name, upper-cased."""

    gateway_host: str = "0.0.0.0"
    gateway_port: int = Field(default=3000, ge=0, le=65535)
    # /metrics lives on its own listener, loopback unless configured: never the public port.
    gateway_metrics_host: str = "127.0.0.1"
    gateway_metrics_port: int = Field(default=9100, ge=0, le=65535)
    # How long an idle client connection is kept open. Client pools (httpx, aiohttp) keep
    # theirs for about 5 s and browsers for minutes: a server that closes first races
    # the client's next request on that connection, which then fails (a POST is not retried).
    gateway_keepalive_seconds: int = Field(default=75, ge=1)

    # `limits` notation ("600/minute", "10 per second"); benchmarks raise them.
    rate_limit_default: str = "600/minute"
    rate_limit_auth: str = "30/minute"
    # Fixed window by default: O(1) per hit in memory and in Redis. The in-memory moving
    # window keeps one entry per hit, which is costly at the limits benchmarks use.
    rate_limit_strategy: RateLimitStrategy = "fixed-window"
    rate_limit_key_prefix: str = "shop-gateway"
    rate_limit_enabled: bool = True

    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_pool_size: int = Field(default=256, ge=1)
    # Below uvicorn's 5 s keep-alive in the services, so a pooled connection is never
    # reused just as the service closes it.
    upstream_keepalive_seconds: float = Field(default=4.0, gt=0)
    # A replica that refuses connections or fails its readiness sits out this long; the
    # probe asks every replica's /health/ready this often and puts it back when it answers.
    upstream_eject_seconds: float = Field(default=10.0, gt=0)
    upstream_probe_seconds: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=0)

    cors_origins: str = "*"

    @field_validator("rate_limit_default", "rate_limit_auth")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        parse(value)  # raises ValueError on a malformed limit: a start-up error
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        """The allowed origins; ["*"] allows any."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()] or ["*"]

    @property
    def rate_limit_storage_uri(self) -> str:
        """`limits` storage URI: Redis when REDIS_URL is set, else this process's memory."""
        if not self.redis_url:
            return "async+memory://"
        if self.redis_url.startswith("async+"):
            return self.redis_url
        return f"async+{self.redis_url}"
