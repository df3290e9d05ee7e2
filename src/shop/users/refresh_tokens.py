"""Opaque refresh tokens: random, stored only as a SHA-256 hash, valid for seven days."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.common.clock import as_utc

REFRESH_TOKEN_TTL = timedelta(days=7)
_TOKEN_BYTES = 32


def new_refresh_token() -> str:
    """A fresh opaque token (256 bits of randomness, URL-safe)."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_refresh_token(token: str) -> str:
    """The hex SHA-256 of a token: a fast hash is enough for 256 random bits, and it
    lets the database look the token up by an index."""
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshState:
    """Why a presented refresh token may or may not be used."""

    ACTIVE = "active"
    REUSED = "reused"  # revoked or rotated already: someone replays an old token
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class StoredToken:
    expires_at: datetime
    revoked_at: datetime | None


def refresh_state(token: StoredToken, *, now: datetime) -> str:
    """The state of a stored token at `now` (revocation wins over expiry)."""
    if token.revoked_at is not None:
        return RefreshState.REUSED
    if as_utc(token.expires_at) <= now:
        return RefreshState.EXPIRED
    return RefreshState.ACTIVE


def expiry_from(now: datetime) -> datetime:
    return now + REFRESH_TOKEN_TTL
