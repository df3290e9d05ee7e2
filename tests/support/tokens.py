"""Signed, unsigned and forged tokens, for tests of what the gateway accepts and refuses."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt


def tampered_payload(signed: str, **changes: Any) -> str:
    """`signed` with its claims edited and its original signature kept."""
    header, payload, signature = signed.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


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
