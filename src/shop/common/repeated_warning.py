"""A problem that recurs every few seconds (broker down, Redis down) is said once, then
summarised now and then, and its end is said too: one line per state change, not per retry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class RepeatedWarning:
    """Tracks one kind of outage for one logger.

    `failed()` on every failed attempt: the first logs `event` (with `hint`, said once), the
    next ones are counted and summarised at most every `summary_seconds`. `recovered()` on
    every success: logs `back_event` once if the outage was on, else does nothing.
    """

    def __init__(
        self,
        log: Any,
        event: str,
        *,
        back_event: str,
        hint: str | None = None,
        summary_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._event = event
        self._back_event = back_event
        self._hint = hint
        self._summary_seconds = summary_seconds
        self._clock = clock
        self._since: float | None = None
        self._last_said = 0.0
        self._unsaid = 0
        self._failures = 0

    @property
    def active(self) -> bool:
        """True between the first failure and the recovery."""
        return self._since is not None

    def failed(self, **fields: Any) -> None:
        """One failed attempt; logs only the first and a periodic summary."""
        now = self._clock()
        self._failures += 1
        if self._since is None:
            self._since = self._last_said = now
            extra = {"hint": self._hint} if self._hint else {}
            self._log.warning(self._event, **extra, **fields)
            return
        self._unsaid += 1
        if now - self._last_said >= self._summary_seconds:
            self._log.warning(
                self._event,
                still=True,
                failures=self._unsaid,
                for_seconds=round(now - self._since),
                **fields,
            )
            self._last_said, self._unsaid = now, 0

    def recovered(self, **fields: Any) -> None:
        """A success; says `back_event` once when an outage was going on."""
        if self._since is None:
            return
        self._log.info(
            self._back_event,
            after_seconds=round(self._clock() - self._since, 1),
            failures=self._failures,
            **fields,
        )
        self._since, self._unsaid, self._failures = None, 0, 0
