"""as_utc: whatever a driver hands back comes out as the same instant, aware, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from shop.common.clock import as_utc


def test_naive_values_are_taken_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 2, 3, 4, 5)) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_other_zones_are_converted_and_utc_is_kept_as_is() -> None:
    paris = datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    converted = as_utc(paris)
    assert converted.tzinfo is UTC and converted == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    already = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert as_utc(already) is already
