"""Token factories for the gateway's unit tests."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.support.tokens import tampered_payload

__all__ = ["tampered_payload"]

FOREIGN_SECRET = "a-different-key-0123456789abcdef-0123456789abcdef-0123456789abcdef"
SECRET = "unit-test-jwt-secret-0123456789abcdef-0123456789abcdef-0123456789"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-1",
        "email": "user@example.com",
        "role": "user",
        "type": "access",
        "iss": "shop",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return base


def token(secret: str = SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm=algorithm)


def unsigned_token(**overrides: Any) -> str:
    """An `alg: none` token, which must never be accepted."""
    return jwt.encode(claims(**overrides), "", algorithm="none")
