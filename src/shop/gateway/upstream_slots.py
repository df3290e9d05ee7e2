"""The pool's bound on requests in flight, and the one timer that enforces their deadlines.

`asyncio.timeout` around each request costs a timer made and cancelled per request (uvloop
allocates a libuv timer for each), several microseconds on the gateway's hottest path. Every
forwarded request has the same timeout, so one timer for the whole pool does: it is armed
for the earliest deadline of an answer being waited for, and when it fires it fails the
answers that are late and arms itself for the next one. A request that finds a free slot
pays no coroutine either; only one that has to wait for a slot takes the slow way.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from typing import Protocol


class Waiting(Protocol):
    """A connection as the deadline timer sees it."""

    @property
    def deadline(self) -> float | None: ...  # loop time its answer is due by; None: idle

    def expire(self) -> None: ...  # fails the answer awaited with TimeoutError


class Slots:
    """At most `size` holders; the others wait in line, first come first served."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._line: deque[asyncio.Future[None]] = deque()

    def take_now(self) -> bool:
        """Takes a slot if one is free and nobody waits before us."""
        if self.free > 0 and not self._line:
            self.free -= 1
            return True
        return False

    async def take(self, deadline: float) -> None:
        """Waits in line for a slot until the loop time `deadline` (then TimeoutError)."""
        turn = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            async with asyncio.timeout_at(deadline):
                await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.give_back()  # handed a slot just as we gave up: pass it on
            else:
                turn.cancel()  # give_back skips it
            raise

    def give_back(self) -> None:
        """Hands the slot to the first one waiting, else frees it."""
        line = self._line
        while line:
            turn = line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class Deadlines:
    """One timer for every answer awaited on a set of connections."""

    def __init__(self, connections: Iterable[Waiting]) -> None:
        self._connections = connections
        self._timer: asyncio.TimerHandle | None = None
        self._due_at = 0.0

    def watch(self, deadline: float) -> None:
        """An answer is now awaited until `deadline`: the timer fires by then."""
        if self._timer is None or deadline < self._due_at:
            self._arm(deadline)

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._due_at = at
        self._timer = asyncio.get_running_loop().call_at(at, self._fire)

    def _fire(self) -> None:
        self._timer = None
        now = asyncio.get_running_loop().time()
        earliest: float | None = None
        for conn in list(self._connections):
            due = conn.deadline
            if due is None:
                continue
            if due <= now:
                conn.expire()
            elif earliest is None or due < earliest:
                earliest = due
        if earliest is not None:
            self._arm(earliest)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
