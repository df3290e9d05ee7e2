"""The one id format: a random UUID as 32 hex characters (fits every String(36) column)."""

from __future__ import annotations

import os


def new_id() -> str:
    """A random (version 4) UUID as 32 hex digits, like `uuid.uuid4().hex`.

    Built from the bytes directly: going through `uuid.UUID` costs twice as much for the
    same string, and an order takes three (its id, its charge's, its event's).
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    return raw.hex()
