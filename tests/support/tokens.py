"""Forged tokens, for tests of what the gateway refuses."""

from __future__ import annotations

import base64
import json
from typing import Any


def tampered_payload(signed: str, **changes: Any) -> str:
    """`signed` with its claims edited and its original signature kept."""
    header, payload, signature = signed.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"
