"""CORS: preflights answered by the gateway itself, allow-origin added to every response."""

from __future__ import annotations

from collections.abc import Sequence

Headers = list[tuple[bytes, bytes]]

_ALLOW_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
_ALLOW_HEADERS = b"Authorization, Content-Type, Idempotency-Key, X-Request-ID"
_EXPOSE_HEADERS = (
    b"X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
_MAX_AGE = b"600"


class Cors:
    """The CORS policy for a list of origins; "*" allows any origin (tokens, not cookies)."""

    def __init__(self, origins: Sequence[str]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(o.rstrip("/") for o in origins)

    def allowed(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    def _origin_headers(self, origin: str) -> Headers:
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*")]
        # The answer depends on the Origin, so shared caches must key on it.
        return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]

    def response_headers(self, origin: str | None) -> Headers:
        """Headers for an ordinary response to a request with this Origin (or none)."""
        if origin is None or not self.allowed(origin):
            return []
        return [
            *self._origin_headers(origin),
            (b"access-control-expose-headers", _EXPOSE_HEADERS),
        ]

    def preflight_headers(self, origin: str, requested_headers: str | None) -> Headers:
        """Headers for a 204 answer to an allowed preflight."""
        allow_headers = requested_headers.encode("latin-1") if requested_headers else None
        return [
            *self._origin_headers(origin),
            (b"access-control-allow-methods", _ALLOW_METHODS),
            (b"access-control-allow-headers", allow_headers or _ALLOW_HEADERS),
            (b"access-control-max-age", _MAX_AGE),
        ]
