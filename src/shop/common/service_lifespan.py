"""A service's REST app lifespan: its outbox relay and its own loops, for the app's life."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI

from shop.common.background import running
from shop.common.http_app import Lifespan
from shop.common.logging import get_logger
from shop.common.relay_loop import RelayLoop

log = get_logger("shop.lifespan")
Loop = Coroutine[Any, Any, None]


def service_lifespan(
    *,
    relay: RelayLoop | None,
    start: Callable[[], Awaitable[Sequence[Loop]]] | None = None,
    background: bool = True,
    always: Callable[[], Sequence[Loop]] | None = None,
) -> Lifespan:
    """Awaits `start` (which may seed data first) and runs the loops it returns beside the
    relay, cancelling them all at shutdown. Without `background` (tests that drive the
    loops themselves) it runs only the `always` loops, which are part of serving requests;
    without a relay events stay in the outbox."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loops: list[Loop] = list(always()) if always is not None else []
        if background:
            if start is not None:
                loops += await start()
            if relay is None:
                log.warning("no_broker_configured")
            else:
                loops.append(relay.run())
        async with running(*loops):
            yield

    return lifespan
