"""The balancer's choices: least outstanding, round robin on ties, ejection, retry rule."""

from __future__ import annotations

import pytest

from shop.gateway.failover import retryable
from shop.gateway.replicas import ReplicaSet, split_replicas


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(n: int, clock: Clock | None = None) -> ReplicaSet:
    urls = [f"http://r{i}:1" for i in range(n)]
    return ReplicaSet("orders", urls, eject_seconds=10, clock=clock or Clock())


def test_split_replicas_trims_and_drops_empties() -> None:
    assert split_replicas(" http://a:1/ ,,http://b:2") == ["http://a:1", "http://b:2"]


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ReplicaSet("orders", [], eject_seconds=1)


def test_ties_rotate_over_every_replica() -> None:
    replicas = make(3)
    picked = {replicas.pick().url for _ in range(3)}  # type: ignore[union-attr]
    assert picked == {"http://r0:1", "http://r1:1", "http://r2:1"}


def test_the_least_busy_replica_wins() -> None:
    replicas = make(2)
    busy, idle = replicas.replicas
    with replicas.lease(busy):
        assert all(replicas.pick() is idle for _ in range(4))
    assert busy.outstanding == 0


def test_an_ejected_replica_sits_out_until_its_time_is_up() -> None:
    clock = Clock()
    replicas = make(2, clock)
    down, up = replicas.replicas
    replicas.eject(down)
    assert all(replicas.pick() is up for _ in range(4))
    assert replicas.available() == [up]
    clock.now += 10.1
    assert {replicas.pick() for _ in range(2)} == {down, up}


def test_when_all_are_ejected_the_first_to_return_is_tried() -> None:
    clock = Clock()
    replicas = make(2, clock)
    first, second = replicas.replicas
    replicas.eject(first, 5)
    replicas.eject(second, 1)
    assert replicas.pick() is second
    replicas.restore(first)
    assert replicas.pick() is first


def test_excluded_replicas_are_never_picked() -> None:
    replicas = make(2)
    first, second = replicas.replicas
    assert replicas.pick(exclude=[first]) is second
    assert replicas.pick(exclude=[first, second]) is None
    single = make(1)
    assert single.pick(exclude=single.replicas) is None


@pytest.mark.parametrize(
    ("kind", "method", "path", "key", "expected"),
    [
        ("unreachable", "POST", "/orders", False, True),  # never sent: any method
        ("unreachable", "PATCH", "/users/me", False, True),
        ("connect_timeout", "GET", "/products", False, True),
        ("connect_timeout", "POST", "/orders", True, True),
        ("connect_timeout", "POST", "/orders", False, False),
        ("disconnected", "POST", "/auth/register", False, False),
        ("disconnected", "DELETE", "/orders/1", False, True),
        ("timeout", "GET", "/products", False, False),  # slow is not down: no second load
        ("bad_response", "GET", "/products", False, False),
    ],
)
def test_retry_only_where_a_repeat_does_no_harm(
    kind: str, method: str, path: str, key: bool, expected: bool
) -> None:
    assert retryable(kind, method=method, path=path, idempotency_key=key) is expected
