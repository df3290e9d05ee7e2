"""The one clock: aware UTC now, and aware UTC from what a database hands back."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we wrote was UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
