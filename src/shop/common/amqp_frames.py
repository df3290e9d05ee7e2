"""The AMQP 0-9-1 frames of one basic.publish, encoded directly.

pamqp encodes a message through its generic machinery (a Basic.Publish and a
Basic.Properties object, each field looked up, validated and encoded by its declared type):
about 20 us per message, more than the relay's other work per event. The few fields an
event message carries are encoded here with the same bytes as pamqp's (a unit test compares
them, tests/unit/common/test_amqp_frames.py).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

_FRAME_METHOD, _FRAME_HEADER, _FRAME_BODY = 1, 2, 3
_FRAME_END = b"\xce"
_FRAME_START = struct.Struct(">BHI")
_BASIC_PUBLISH = struct.pack(">HHH", 60, 40, 0)  # class, method, the reserved ticket (0)
# A whole basic.ack frame: type, channel, size (13), class, method, delivery tag, multiple.
_BASIC_ACK = struct.Struct(">BHIHHQB")
_HEADER_START = struct.Struct(">HHQ")  # class (basic), weight (0), body size
_LONG = struct.Struct(">I")
_MAX_EXCHANGE = 127  # pamqp's Basic.Publish.validate limit

# Basic's property flags (AMQP 0-9-1 section 4.2.6.1), as pamqp's Basic.Properties has them.
_CONTENT_TYPE, _HEADERS, _DELIVERY_MODE, _PRIORITY = 0x8000, 0x2000, 0x1000, 0x0800
_MESSAGE_ID, _TYPE = 0x0080, 0x0020


def _short(value: str) -> bytes:
    raw = value.encode()
    if len(raw) > 255:
        raise TypeError("string exceeds maximum length of 255 bytes")
    return bytes((len(raw),)) + raw


def _table(headers: Mapping[str, str]) -> bytes:
    # As pamqp: names in sorted order, each value a long string ('S'). (pamqp cuts a name
    # past 128 bytes with a warning; ours are constants that short.)
    parts: list[bytes] = []
    for key, value in sorted(headers.items()):
        if len(key.encode()) > 128:
            raise ValueError(f"header name {key!r} exceeds 128 bytes")
        raw = value.encode()
        parts += (_short(key), b"S", _LONG.pack(len(raw)), raw)
    content = b"".join(parts)
    return _LONG.pack(len(content)) + content


def message_properties(
    *,
    content_type: str,
    delivery_mode: int,
    priority: int,
    message_id: str,
    message_type: str,
    headers: Mapping[str, str],
) -> bytes:
    """A content header's property flags and list, as pamqp's Basic.Properties with these
    fields (and no others) encodes them: an empty string is left out, as pamqp does."""
    flags = _HEADERS | _DELIVERY_MODE | _PRIORITY
    parts = []
    if content_type:
        flags |= _CONTENT_TYPE
        parts.append(_short(content_type))
    parts += (_table(headers), bytes((delivery_mode, priority)))
    if message_id:
        flags |= _MESSAGE_ID
        parts.append(_short(message_id))
    if message_type:
        flags |= _TYPE
        parts.append(_short(message_type))
    return struct.pack(">H", flags) + b"".join(parts)


def publish_frames(
    channel: int,
    *,
    exchange: str,
    routing_key: str,
    mandatory: bool,
    properties: bytes,
    body: bytes,
    max_content_size: int,
) -> list[bytes]:
    """basic.publish's method frame, its content header and the body frames (none for an
    empty body), as aiormq's channel sends them through pamqp."""
    if len(exchange) > _MAX_EXCHANGE:
        raise ValueError("Max length exceeded for exchange")
    method = b"".join(
        (_BASIC_PUBLISH, _short(exchange), _short(routing_key), b"\x01" if mandatory else b"\x00")
    )
    header = _HEADER_START.pack(60, 0, len(body)) + properties
    frames = [
        _FRAME_START.pack(_FRAME_METHOD, channel, len(method)),
        method,
        _FRAME_END,
        _FRAME_START.pack(_FRAME_HEADER, channel, len(header)),
        header,
        _FRAME_END,
    ]
    for start in range(0, len(body), max_content_size):
        chunk = body[start : start + max_content_size]
        frames += (_FRAME_START.pack(_FRAME_BODY, channel, len(chunk)), chunk, _FRAME_END)
    return frames


def ack_frame(channel: int, delivery_tag: int, *, multiple: bool) -> bytes:
    """basic.ack's method frame, as aiormq's `basic_ack` sends it through pamqp."""
    return _BASIC_ACK.pack(_FRAME_METHOD, channel, 13, 60, 80, delivery_tag, multiple) + _FRAME_END
