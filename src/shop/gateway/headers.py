"""Which headers cross the gateway, in each direction, and the identity headers it sets."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from shop.common.context import REQUEST_ID_HEADER
from shop.common.security import (
    GATEWAY_SECRET_HEADER,
    USER_EMAIL_HEADER,
    USER_ID_HEADER,
    USER_ROLE_HEADER,
)
from shop.common.tokens import Principal

RawHeaders = Iterable[tuple[bytes, bytes]]

# RFC 9110 section 7.6.1 hop-by-hop headers, plus the de-facto ones.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set by the gateway itself (or by the HTTP client from the body), never passed through.
_REPLACED_UPSTREAM = frozenset(
    {
        b"host",
        b"content-length",
        b"expect",
        REQUEST_ID_HEADER.encode(),
        GATEWAY_SECRET_HEADER.encode(),
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
    }
)
_REPLACED_DOWNSTREAM = frozenset(
    {b"content-length", b"server", b"date", REQUEST_ID_HEADER.encode()}
)
_DROP_UPSTREAM = HOP_BY_HOP | _REPLACED_UPSTREAM
_DROP_DOWNSTREAM = HOP_BY_HOP | _REPLACED_DOWNSTREAM
_USER_PREFIX = b"x-user-"
_REQUEST_ID = REQUEST_ID_HEADER.encode()
_SECRET = GATEWAY_SECRET_HEADER.encode()
_IDENTITY = (USER_ID_HEADER.encode(), USER_EMAIL_HEADER.encode(), USER_ROLE_HEADER.encode())
_CORS_PREFIX = b"access-control-"


def _kept(raw: RawHeaders, drop: frozenset[bytes], prefix: bytes) -> list[tuple[bytes, bytes]]:
    """Headers (names lower-cased) minus `drop`, names starting with `prefix`, and the
    ones a `Connection` header names: those are hop-by-hop too (RFC 9110 section 7.6.1)."""
    kept: list[tuple[bytes, bytes]] = []
    named: set[bytes] | None = None
    for key, value in raw:
        name = key.lower()
        if name in drop or name.startswith(prefix):
            if name == b"connection":
                named = named or set()
                named.update(t.strip().lower() for t in value.split(b","))
            continue
        kept.append((name, value))
    if named:
        return [(name, value) for name, value in kept if name not in named]
    return kept


def upstream_headers(
    raw: RawHeaders,
    *,
    principal: Principal | None,
    secret: bytes,
    request_id: str,
    client_ip: str,
    scheme: str,
) -> list[tuple[bytes, bytes]]:
    """The client's safe headers, with identity, secret and request id set by the gateway.

    Every client-sent `x-user-*` and `x-gateway-secret` header is dropped first, so an
    identity header upstream can only have come from a verified token.
    """
    out = _kept(raw, _DROP_UPSTREAM, _USER_PREFIX)
    out.append((_REQUEST_ID, request_id.encode("latin-1")))
    out.append((_SECRET, secret))
    out.append((b"x-forwarded-for", client_ip.encode("latin-1")))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if principal is not None:
        out += _identity(principal)  # copied in, so the cached list is never changed
    return out


@functools.lru_cache(maxsize=4096)
def _identity(principal: Principal) -> list[tuple[bytes, bytes]]:
    # Cached: a client sends the same token, so the same principal, request after request.
    values = [v.encode() for v in (principal.user_id, principal.email, principal.role)]
    if any(b"\r" in v or b"\n" in v for v in values):
        # Signed by us, so never expected; but a header value must never split a request.
        raise ValueError("line break in an identity claim")
    return list(zip(_IDENTITY, values, strict=True))


def header_lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    """Headers as HTTP/1.1 lines, each ending in CRLF."""
    return b"".join([b"%s: %s\r\n" % pair for pair in headers])


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


def with_trace(headers: list[tuple[bytes, bytes]], trace: list[tuple[bytes, bytes]]) -> bytes:
    """The header lines, carrying the gateway's span (`trace`) instead of the client's."""
    if trace:
        headers = [pair for pair in headers if pair[0] not in _TRACE_HEADERS] + trace
    return header_lines(headers)


def downstream_headers(raw: RawHeaders) -> list[tuple[bytes, bytes]]:
    """The upstream response's headers minus hop-by-hop ones and those the gateway owns."""
    return _kept(raw, _DROP_DOWNSTREAM, _CORS_PREFIX)


def header_value(raw: RawHeaders, name: bytes) -> str | None:
    """The first value of a (lower-case) header, decoded, or None."""
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None
