"""Which headers cross the gateway, in each direction, and the identity headers it sets."""

from __future__ import annotations

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


def _connection_tokens(raw: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    # Headers named in `Connection` are hop-by-hop too (RFC 9110 section 7.6.1).
    names: set[bytes] = set()
    for key, value in raw:
        if key.lower() == b"connection":
            names.update(t.strip().lower() for t in value.split(b","))
    return frozenset(names)


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
    raw = list(raw)
    extra_drop = _connection_tokens(raw)
    out = [
        (name, value)
        for key, value in raw
        if (name := key.lower()) not in _DROP_UPSTREAM
        and not name.startswith(_USER_PREFIX)
        and name not in extra_drop
    ]
    out.append((_REQUEST_ID, request_id.encode("latin-1")))
    out.append((_SECRET, secret))
    out.append((b"x-forwarded-for", client_ip.encode("latin-1")))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if principal is not None:
        out += _identity(principal)
    return out


def _identity(principal: Principal) -> list[tuple[bytes, bytes]]:
    values = [v.encode() for v in (principal.user_id, principal.email, principal.role)]
    if any(b"\r" in v or b"\n" in v for v in values):
        # Signed by us, so never expected; but a header value must never split a request.
        raise ValueError("line break in an identity claim")
    return list(zip(_IDENTITY, values, strict=True))


def header_lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    """Headers as HTTP/1.1 lines, each ending in CRLF."""
    return b"".join([b"%s: %s\r\n" % pair for pair in headers])


def downstream_headers(raw: RawHeaders) -> list[tuple[bytes, bytes]]:
    """The upstream response's headers minus hop-by-hop ones and those the gateway owns."""
    raw = list(raw)
    extra_drop = _connection_tokens(raw)
    return [
        (name, value)
        for key, value in raw
        if (name := key.lower()) not in _DROP_DOWNSTREAM
        and not name.startswith(_CORS_PREFIX)
        and name not in extra_drop
    ]


def header_value(raw: RawHeaders, name: bytes) -> str | None:
    """The first value of a (lower-case) header, decoded, or None."""
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None
