"""Rate-limit decisions with the in-memory storage."""

from __future__ import annotations

import uuid

import pytest

from shop.gateway.ratelimit import Decision, GatewayRateLimiter
from shop.gateway.settings import GatewaySettings


def _limiter(**overrides: object) -> GatewayRateLimiter:
    fields: dict[str, object] = {"redis_url": None, "rate_limit_key_prefix": uuid.uuid4().hex}
    fields.update(overrides)
    return GatewayRateLimiter(GatewaySettings(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
async def test_over_the_limit_is_refused_with_retry_after(strategy: str) -> None:
    limiter = _limiter(rate_limit_default="2/minute", rate_limit_strategy=strategy)
    hits = [await limiter.hit_default(user_id=None, client_ip="1.2.3.4") for _ in range(3)]
    assert [d.allowed for d in hits] == [True, True, False]
    assert 1 <= hits[2].retry_after <= 60
    headers = dict(hits[2].headers())
    assert headers[b"retry-after"] == str(hits[2].retry_after).encode()
    assert headers[b"x-ratelimit-limit"] == b"2"
    assert headers[b"x-ratelimit-remaining"] == b"0"


async def test_users_and_ips_have_separate_budgets() -> None:
    limiter = _limiter(rate_limit_default="1/minute")
    assert (await limiter.hit_default(user_id="alice", client_ip="1.1.1.1")).allowed
    assert not (await limiter.hit_default(user_id="alice", client_ip="2.2.2.2")).allowed
    assert (await limiter.hit_default(user_id="bob", client_ip="1.1.1.1")).allowed
    assert (await limiter.hit_default(user_id=None, client_ip="1.1.1.1")).allowed
    assert not (await limiter.hit_default(user_id=None, client_ip="1.1.1.1")).allowed


async def test_auth_limit_is_its_own_budget() -> None:
    limiter = _limiter(rate_limit_auth="1/minute", rate_limit_default="5/minute")
    assert (await limiter.hit_auth(client_ip="9.9.9.9")).allowed
    assert not (await limiter.hit_auth(client_ip="9.9.9.9")).allowed
    assert (await limiter.hit_default(user_id=None, client_ip="9.9.9.9")).allowed


async def test_disabled_limiter_allows_everything() -> None:
    limiter = _limiter(rate_limit_default="1/minute", rate_limit_enabled=False)
    for _ in range(3):
        assert (await limiter.hit_default(user_id=None, client_ip="1.1.1.1")).allowed


def test_allowed_decision_has_no_retry_after() -> None:
    assert dict(Decision(allowed=True, limit=7).headers()) == {b"x-ratelimit-limit": b"7"}
