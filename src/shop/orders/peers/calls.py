"""Calls to the user and product services: deadline, retry (idempotent only), breaker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from shop.common.errors import (
    AppError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    UpstreamTimeout,
    ValidationFailed,
)
from shop.common.logging import get_logger
from shop.orders.peers.resilience import CircuitBreaker, RetryPolicy

log = get_logger("shop.orders.peers")
T = TypeVar("T")

# Failures of the transport or of the peer as a whole: worth a retry, counted by the breaker.
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.UNAUTHENTICATED,  # a misconfigured secret: the peer is unusable
    }
)


def business_error(code: grpc.StatusCode, details: str) -> AppError:
    """The AppError a peer's answer stands for (its message is safe to pass on)."""
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(details or "Not found")
    if code in {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS}:
        return Conflict(details or "Conflict")
    if code in {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE}:
        return ValidationFailed(details or "Invalid request")
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return Conflict(details or "Refused by peer")
    return ServiceUnavailable("Upstream service failed")


class Peer:
    """One remote service: every call has a deadline; the breaker fails fast when it is down."""

    def __init__(
        self,
        *,
        name: str,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        deadline_seconds: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.breaker = breaker
        self._retry = retry
        self._deadline = deadline_seconds
        self._sleep = sleep

    async def call(
        self, method: Callable[..., Awaitable[T]], request: Any, *, idempotent: bool
    ) -> T:
        """The response, a business AppError, or ServiceUnavailable/UpstreamTimeout."""
        attempts = self._retry.attempts_for(idempotent=idempotent)
        last: grpc.StatusCode | None = None
        for attempt in range(1, attempts + 1):
            if not self.breaker.allow():
                raise ServiceUnavailable(f"{self.name} service unavailable")
            try:
                response = await method(request, timeout=self._deadline)
            except grpc.aio.AioRpcError as exc:
                code = exc.code()
                if code not in TRANSIENT:
                    self.breaker.record_success()  # the peer answered: it is up
                    raise business_error(code, exc.details() or "") from None
                self.breaker.record_failure()
                last = code
                log.warning("peer_call_failed", peer=self.name, code=code.name, attempt=attempt)
                if attempt < attempts:
                    await self._sleep(self._retry.delay(attempt))
                continue
            self.breaker.record_success()
            return response
        if last == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise UpstreamTimeout(f"{self.name} service timed out")
        raise ServiceUnavailable(f"{self.name} service unavailable")
