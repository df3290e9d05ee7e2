"""Circuit breaker states, retry backoff and the Peer call policy (no network)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from shop.common.errors import Conflict, NotFound, ServiceUnavailable, UpstreamTimeout
from shop.orders.peers.calls import Peer
from shop.orders.peers.resilience import BreakerState, CircuitBreaker, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3) -> CircuitBreaker:
    return CircuitBreaker(name="p", threshold=threshold, reset_seconds=10, clock=clock)


def test_breaker_opens_after_threshold_consecutive_failures() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(2):
        b.record_failure()
    b.record_success()  # a success resets the count
    for _ in range(2):
        b.record_failure()
    assert b.state is BreakerState.CLOSED and b.allow()
    b.record_failure()
    # mypy keeps `b.state` narrowed across record_failure(), which changes it.
    assert b.state is BreakerState.OPEN and not b.allow()  # type: ignore[comparison-overlap]


def test_breaker_half_open_lets_one_probe_through() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1)
    b.record_failure()
    clock.now = 10
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow() and not b.allow()  # one probe at a time
    b.record_failure()  # the probe failed: open for another period
    assert b.state is BreakerState.OPEN  # type: ignore[comparison-overlap]
    clock.now = 20
    assert b.allow()
    b.record_success()
    assert b.state is BreakerState.CLOSED and b.allow() and b.allow()


def test_retry_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(attempts=5, base_seconds=0.1, max_seconds=0.3)
    assert [policy.delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.3]
    assert policy.delay(3, rand=lambda: 0.5) == 0.15
    assert policy.attempts_for(idempotent=True) == 5
    assert policy.attempts_for(idempotent=False) == 1


class RpcError(grpc.aio.AioRpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="boom")


class Flaky:
    def __init__(self, *codes: grpc.StatusCode) -> None:
        self.codes = list(codes)
        self.calls = 0
        self.timeouts: list[float] = []

    async def __call__(self, request: Any, *, timeout: float) -> str:
        self.calls += 1
        self.timeouts.append(timeout)
        if self.codes:
            raise RpcError(self.codes.pop(0))
        return "ok"


async def _no_sleep(_: float) -> None:
    return None


def peer(threshold: int = 5) -> Peer:
    return Peer(
        name="product",
        breaker=CircuitBreaker(name="product", threshold=threshold, reset_seconds=60),
        retry=RetryPolicy(attempts=3),
        deadline_seconds=1.5,
        sleep=_no_sleep,
    )


async def test_idempotent_calls_retry_transient_failures_with_a_deadline() -> None:
    method = Flaky(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert await peer().call(method, None, idempotent=True) == "ok"
    assert method.calls == 3 and method.timeouts == [1.5, 1.5, 1.5]


async def test_non_idempotent_calls_are_not_retried() -> None:
    method = Flaky(grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(ServiceUnavailable):
        await peer().call(method, None, idempotent=False)
    assert method.calls == 1


async def test_exhausted_deadlines_are_a_504() -> None:
    method = Flaky(*[grpc.StatusCode.DEADLINE_EXCEEDED] * 3)
    with pytest.raises(UpstreamTimeout):
        await peer().call(method, None, idempotent=True)


@pytest.mark.parametrize(
    ("code", "error"),
    [(grpc.StatusCode.NOT_FOUND, NotFound), (grpc.StatusCode.FAILED_PRECONDITION, Conflict)],
)
async def test_business_errors_are_not_retried(code: grpc.StatusCode, error: type) -> None:
    method = Flaky(code)
    with pytest.raises(error):
        await peer().call(method, None, idempotent=True)
    assert method.calls == 1


async def test_open_breaker_fails_fast() -> None:
    p = peer(threshold=3)
    method = Flaky(*[grpc.StatusCode.UNAVAILABLE] * 3)
    with pytest.raises(ServiceUnavailable):
        await p.call(method, None, idempotent=True)
    with pytest.raises(ServiceUnavailable):
        await p.call(method, None, idempotent=True)
    assert method.calls == 3
