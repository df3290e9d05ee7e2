"""Events and polling for the worker's tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from shop.common.events import cloud_event


def event(kind: str, data: dict[str, Any], *, request_id: str = "req-test") -> dict[str, Any]:
    return cloud_event(event_type=kind, source="/test", data=data, request_id=request_id)


def user_registered(name: str = "Ann") -> dict[str, Any]:
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    return event("user.registered", {"userId": "u1", "email": email, "name": name, "role": "user"})


async def eventually(check: Callable[[], bool], *, within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        while not check():
            await asyncio.sleep(0.05)
