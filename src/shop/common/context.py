"""Per-request context carried implicitly through a request's tasks: the request id."""

from __future__ import annotations

import re
from contextvars import ContextVar

from shop.common.ids import new_id

REQUEST_ID_HEADER = "x-request-id"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# A client-sent id is echoed into logs and headers, so only harmless shapes are accepted.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def new_request_id() -> str:
    """A random (version 4) UUID as 32 hex digits (`ids.new_id`); the gateway makes one
    per request."""
    return new_id()


def accept_request_id(candidate: str | None) -> str:
    """The client's id when it is safe to echo, else a fresh one."""
    if candidate and _SAFE_ID.match(candidate):
        return candidate
    return new_request_id()


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(request_id: str | None) -> None:
    _request_id.set(request_id)
