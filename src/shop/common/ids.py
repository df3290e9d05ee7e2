"""The one id format: a random UUID as 32 hex characters (fits every String(36) column)."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return uuid.uuid4().hex
