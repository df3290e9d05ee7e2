"""Bearer tokens: who the caller is, verified with the shared HS256-pinned verifier."""

from __future__ import annotations

import base64
import binascii
import time

import orjson

from shop.common.tokens import InvalidTokenError, Principal, verify_access_token


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when there is no header.

    A header of any other shape is an InvalidTokenError, never silently anonymous.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise InvalidTokenError("expected 'Authorization: Bearer <token>'")
    return token


class TokenVerifier:
    """Verifies access tokens, remembering verified ones until they expire.

    Verifying an HS256 token costs about as much as proxying a request; a client sends the
    same token many times. Only a token string whose signature already checked out is
    remembered, and only until its own `exp`, so a cached answer is always the one
    verification would give.
    """

    def __init__(self, *, secret: str, max_entries: int = 10_000) -> None:
        self._secret = secret
        self._max_entries = max_entries
        self._verified: dict[str, tuple[Principal, float]] = {}

    def principal(self, authorization: str | None) -> Principal | None:
        """The verified caller, None when anonymous, InvalidTokenError for a bad token."""
        token = bearer_token(authorization)
        if token is None:
            return None
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached[1]:
                return cached[0]
            del self._verified[token]
        principal = verify_access_token(token, secret=self._secret)
        expiry = _expiry(token)
        if expiry is not None:
            if len(self._verified) >= self._max_entries:
                # Oldest first (dicts keep insertion order): cheap and good enough.
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (principal, expiry)
        return principal


def _expiry(verified_token: str) -> float | None:
    # The payload of a token whose signature was just verified; None if oddly shaped.
    try:
        payload = verified_token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims["exp"]
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return None
    return float(exp) if isinstance(exp, int | float) else None
