"""The one clock: aware UTC now, and aware UTC from what a database hands back."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite and MariaDB hand back naive datetimes; every one we wrote was UTC."""
    if value.tzinfo is UTC:  # asyncpg's and our own: nothing to convert
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
