"""Refresh-token primitives: randomness, hashing, expiry and reuse states."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from shop.common.clock import as_utc
from shop.users.refresh_tokens import (
    REFRESH_TOKEN_TTL,
    RefreshState,
    StoredToken,
    expiry_from,
    hash_refresh_token,
    new_refresh_token,
    refresh_state,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_tokens_are_random_and_long() -> None:
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)


def test_hash_is_sha256_hex_and_not_the_token() -> None:
    token = new_refresh_token()
    digest = hash_refresh_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert len(digest) == 64 and token not in digest


def test_expiry_is_seven_days() -> None:
    assert timedelta(days=7) == REFRESH_TOKEN_TTL
    assert expiry_from(NOW) == NOW + timedelta(days=7)


def test_live_token_is_active() -> None:
    assert refresh_state(StoredToken(NOW + timedelta(seconds=1), None), now=NOW) == (
        RefreshState.ACTIVE
    )


def test_expired_token() -> None:
    assert refresh_state(StoredToken(NOW, None), now=NOW) == RefreshState.EXPIRED


def test_revoked_token_is_reuse_even_when_expired() -> None:
    state = refresh_state(StoredToken(NOW - timedelta(days=1), NOW - timedelta(days=2)), now=NOW)
    assert state == RefreshState.REUSED


def test_naive_database_times_are_read_as_utc() -> None:
    naive = datetime(2024, 6, 1, 12, 0)
    assert as_utc(naive) == NOW
    assert refresh_state(StoredToken(naive + timedelta(hours=1), None), now=NOW) == (
        RefreshState.ACTIVE
    )
