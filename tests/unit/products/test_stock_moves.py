"""The stock moves table: each move keeps the books balanced and knows its guards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shop.products.domain import (
    COMMIT,
    EXPIRE,
    RELEASES,
    RESERVE,
    RESTOCK,
    Product,
    Reservation,
    ReservationClosed,
    ReservationStatus,
    StockMove,
    commit_missed,
    crossed_low_stock,
    floors,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
RESERVATION_MOVES = [RESERVE, COMMIT, EXPIRE, *RELEASES]
PRODUCT = Product(
    id="p1",
    name="Lamp",
    description="",
    price=100,
    category="home",
    sku="LAMP",
    stock=6,
    reserved=0,
    sold=0,
    stocked=6,
    low_stock_threshold=5,
    attributes={},
    created_at=NOW,
    updated_at=NOW,
)


@pytest.mark.parametrize("move", RESERVATION_MOVES)
@pytest.mark.parametrize("quantity", [1, 3])
def test_reservation_moves_only_move_units_between_counters(move: StockMove, quantity: int) -> None:
    changes = move.changes(quantity)
    assert sum(changes.values()) == 0 and "stocked" not in changes
    assert move.target is not None and move.target != move.source


@pytest.mark.parametrize("step", [-4, 7])
def test_restock_changes_units_ever_stocked_with_stock(step: int) -> None:
    assert RESTOCK.changes(step) == {"stock": step, "stocked": step}


def test_a_move_needs_the_units_it_takes() -> None:
    assert floors(RESERVE.changes(3)) == {"stock": 3}
    assert floors(COMMIT.changes(2)) == {"reserved": 2}
    assert floors(RESTOCK.changes(-4)) == {"stock": 4, "stocked": 4}
    assert floors(RESTOCK.changes(4)) == {}


def test_only_commit_and_expire_look_at_the_expiry() -> None:
    assert (COMMIT.expiry, EXPIRE.expiry) == ("live", "due")
    assert {m.expiry for m in (RESERVE, *RELEASES)} == {None}
    assert [m.source for m in RELEASES] == [ReservationStatus.RESERVED, ReservationStatus.COMMITTED]


def test_low_stock_is_crossed_once() -> None:
    reserved = RESERVE.changes(2)
    after = replace(PRODUCT, stock=4, reserved=2)  # 6 -> 4 with a threshold of 5
    assert crossed_low_stock(after, reserved)
    again = replace(PRODUCT, stock=3, reserved=3)  # 4 -> 3: already below
    assert not crossed_low_stock(again, RESERVE.changes(1))
    back = replace(PRODUCT, stock=5, reserved=1)  # 3 -> 5 on a release: upwards
    assert not crossed_low_stock(back, EXPIRE.changes(2))


@pytest.mark.parametrize("move", [*RESERVATION_MOVES, RESTOCK])
@pytest.mark.parametrize("stock", range(0, 12))
@pytest.mark.parametrize("quantity", [1, 2, 6])
def test_a_quiet_move_never_crosses_the_low_stock_threshold(
    move: StockMove, stock: int, quantity: int
) -> None:
    # The stock flows send a quiet move without a transaction: it can have no event.
    after = replace(PRODUCT, stock=stock)
    if move.quiet:
        assert not crossed_low_stock(after, move.changes(quantity))
    assert [m.quiet for m in (RESERVE, COMMIT, EXPIRE, *RELEASES)] == [False, *[True] * 4]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (ReservationStatus.COMMITTED, None),
        (ReservationStatus.RESERVED, "expired"),
        (ReservationStatus.RELEASED, "released"),
        (ReservationStatus.EXPIRED, "expired"),
    ],
)
def test_a_commit_that_moved_nothing(status: ReservationStatus, outcome: str | None) -> None:
    current = Reservation(
        id="r1", order_id="o1", status=status, items=(), expires_at=NOW, created_at=NOW
    )
    if outcome is None:
        assert commit_missed(current) is current
    else:
        with pytest.raises(ReservationClosed, match=f"is {outcome}"):
            commit_missed(current)
