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
    secret: str,
    request_id: str,
    client_ip: str,
    scheme: str,
) -> list[tuple[str, str]]:
    """The client's safe headers, with identity, secret and request id set by the gateway.

    Every client-sent `x-user-*` and `x-gateway-secret` header is dropped first, so an
    identity header upstream can only have come from a verified token.
    """
    raw = list(raw)
    extra_drop = _connection_tokens(raw)
    out: list[tuple[str, str]] = []
    for key, value in raw:
        name = key.lower()
        if name in _DROP_UPSTREAM or name.startswith(_USER_PREFIX) or name in extra_drop:
            continue
        out.append((name.decode("latin-1"), value.decode("latin-1")))
    out.append((REQUEST_ID_HEADER, request_id))
    out.append((GATEWAY_SECRET_HEADER, secret))
    out.append(("x-forwarded-for", client_ip))
    out.append(("x-forwarded-proto", scheme))
    if principal is not None:
        out.append((USER_ID_HEADER, principal.user_id))
        out.append((USER_EMAIL_HEADER, principal.email))
        out.append((USER_ROLE_HEADER, principal.role))
    return out


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
