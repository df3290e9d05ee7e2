"""The order service's settings (read once at start-up)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shop.common.settings import CommonSettings

FaultPoint = Literal["after_reserve", "after_payment"]


class OrderSettings(CommonSettings):
    """Common settings plus the order service's ports, store and resilience knobs."""

    order_service_port: int = 3003
    order_service_grpc_port: int = 50052
    postgresql_uri: str | None = None

    # Every gRPC call to a peer has this deadline; idempotent calls are retried with backoff.
    grpc_deadline_seconds: float = Field(default=3.0, gt=0)
    grpc_retry_attempts: int = Field(default=3, ge=1)
    grpc_retry_base_seconds: float = Field(default=0.05, gt=0)
    grpc_retry_max_seconds: float = Field(default=1.0, gt=0)
    # Consecutive transport failures that open a peer's breaker, and how long it stays open.
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=5.0, gt=0)

    # The recovery loop finishes PENDING orders older than the grace period, at start-up
    # and then every interval.
    order_recovery_interval_seconds: float = Field(default=10.0, gt=0)
    order_recovery_grace_seconds: float = Field(default=10.0, ge=0)
    # How long the product service holds a reservation for us (0: the server's default).
    order_reservation_ttl_seconds: int = Field(default=600, ge=0)
    # How long a request waits for a concurrent twin (same Idempotency-Key) to finish.
    idempotency_wait_seconds: float = Field(default=15.0, ge=0)
    # The lease a process holds on each order it drives, renewed every refresh interval.
    # A replay finding a PENDING twin whose lease ran out takes the order over, so the
    # retry of an order whose process died answers within about the lease. A live driver
    # is overtaken only if it cannot renew for (lease - refresh) seconds, 2.5 s by default
    # (an event loop or database stalled that long); even then nothing is charged twice.
    order_lease_seconds: float = Field(default=3.0, gt=0)
    order_lease_refresh_seconds: float = Field(default=0.5, gt=0)

    # Test-only: kill this process with SIGKILL at a point of the saga (crash tests).
    order_fault_inject: FaultPoint | None = None

    @model_validator(mode="after")
    def _no_faults_in_production(self) -> OrderSettings:
        if self.is_production and self.order_fault_inject is not None:
            raise ValueError("ORDER_FAULT_INJECT is refused when SHOP_ENV=production")
        return self

    @model_validator(mode="after")
    def _lease_outlives_its_refresh(self) -> OrderSettings:
        if self.order_lease_refresh_seconds >= self.order_lease_seconds:
            raise ValueError("ORDER_LEASE_REFRESH_SECONDS must be below ORDER_LEASE_SECONDS")
        return self

    def database_url(self) -> str:
        """POSTGRESQL_URI, else the embedded SQLite file DATA_DIR/orders.db."""
        return self.postgresql_uri or self.sqlite_url("orders")
