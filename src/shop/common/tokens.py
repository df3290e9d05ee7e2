"""JWT access tokens: issued by the user service, verified by the gateway.

The algorithm is pinned to HS256 so `alg: none` and tokens signed with any other key or
algorithm are refused; expiry is always required.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ISSUER = "shop"
ACCESS_TOKEN_TTL_SECONDS = 15 * 60


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, or not ours."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    email: str
    role: str


def issue_access_token(
    principal: Principal, *, secret: str, ttl_seconds: int = ACCESS_TOKEN_TTL_SECONDS
) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.user_id,
        "email": principal.email,
        "role": principal.role,
        "type": "access",
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_access_token(token: str, *, secret: str) -> Principal:
    """The token's principal, or InvalidTokenError."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    if claims.get("type") != "access" or claims.get("role") not in {"user", "admin"}:
        raise InvalidTokenError("not an access token")
    sub, email = claims.get("sub"), claims.get("email")
    if not isinstance(sub, str) or not isinstance(email, str):
        raise InvalidTokenError("malformed claims")
    return Principal(user_id=sub, email=email, role=claims["role"])
