"""The incoming CloudEvent, checked: anything the worker can never handle is refused here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from shop.notifications.failures import PermanentFailure

# It names a file (DATA_DIR/mail/<id>.eml) and a Message-ID, so it must be a plain token.
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

# The contract's routing keys: the queue is bound to exactly these.
EVENT_TYPES = (
    "user.registered",
    "order.created",
    "order.status_changed",
    "order.cancelled",
    "product.low_stock",
)


@dataclass(frozen=True)
class IncomingEvent:
    id: str
    type: str
    data: dict[str, Any]
    request_id: str | None
    traceparent: str | None = None  # W3C, of the request that caused the event (tracing on)


def parse_event(body: bytes) -> IncomingEvent:
    """The event in a message body, or PermanentFailure naming what is wrong with it."""
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PermanentFailure("body is not JSON") from None
    if not isinstance(event, dict):
        raise PermanentFailure(f"body is JSON {_json_kind(event)}, not an object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not _ID.match(event_id):
        raise PermanentFailure("no usable id (1-64 letters, digits, '.', '_', '-')")
    if not isinstance(kind, str) or not kind:
        raise PermanentFailure("no type")
    if kind not in EVENT_TYPES:
        raise PermanentFailure(f"unknown type {kind[:100]!r}")
    if not isinstance(data, dict):
        raise PermanentFailure(f"data is JSON {_json_kind(data)}, not an object")
    return IncomingEvent(
        id=event_id,
        type=kind,
        data=data,
        request_id=_header_safe(event.get("requestid")),
        traceparent=_header_safe(event.get("traceparent")),
    )


def _header_safe(value: object) -> str | None:
    # It becomes a mail header: printable ASCII only, so it can never break a line.
    if not isinstance(value, str):
        return None
    if _HEADER_SAFE.fullmatch(value):  # the usual id: kept as it is, not rebuilt per character
        return value
    cleaned = "".join(c for c in value if 32 < ord(c) < 127)[:128]
    return cleaned or None


_HEADER_SAFE = re.compile(r"[!-~]{1,128}")


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number"}
    return names.get(type(value), "a number")
