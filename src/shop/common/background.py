"""Background loops (outbox relay, sweeper, recovery) that live as long as an app does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from shop.common.logging import get_logger

log = get_logger("shop.background")


@contextlib.asynccontextmanager
async def running(*loops: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Runs each loop as a task for the life of the block; at exit cancels and awaits them."""
    tasks = [asyncio.create_task(loop) for loop in loops]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def every(seconds: float, step: Callable[[], Awaitable[object]], *, failed: str) -> None:
    """Runs `step` now and then every `seconds` until cancelled. A failing step (a database
    hiccup) must not end the loop: it is logged as `failed`, by error class only (no
    values), and tried again at the next tick."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(failed, error=type(exc).__name__)
        await asyncio.sleep(seconds)
