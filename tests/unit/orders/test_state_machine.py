"""The contract's order state machine, checked for every pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from shop.orders.domain import TRANSITIONS, OrderStatus, can_transition, parse_status

S = OrderStatus
ALLOWED = {
    (S.PENDING, S.CONFIRMED),
    (S.CONFIRMED, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.PENDING, S.CANCELLED),
    (S.CONFIRMED, S.CANCELLED),
    (S.PENDING, S.FAILED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair(current: OrderStatus, target: OrderStatus) -> None:
    assert can_transition(current, target) == ((current, target) in ALLOWED)


def test_statuses_are_exactly_the_contracts() -> None:
    assert [s.value for s in S] == [
        "PENDING",
        "CONFIRMED",
        "SHIPPED",
        "DELIVERED",
        "CANCELLED",
        "FAILED",
    ]
    assert set(TRANSITIONS) == set(S)


def test_terminal_statuses_have_no_way_out() -> None:
    for status in (S.DELIVERED, S.CANCELLED, S.FAILED):
        assert not any(can_transition(status, t) for t in S)


@pytest.mark.parametrize("text", ["pending", "", "SHIPPING", " PENDING"])
def test_parse_status_is_exact(text: str) -> None:
    assert parse_status(text) is None
    assert parse_status("SHIPPED") is S.SHIPPED
