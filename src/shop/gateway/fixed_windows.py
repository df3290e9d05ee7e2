"""Fixed-window hit counters in this process's memory: the default limiter without Redis.

Same rule as `limits`' fixed window over its memory storage (a window opens at a key's first
hit and lasts the limit's period; every hit counts, refused ones too), without its per-hit
key formatting, locks and awaits: one dict lookup per hit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from limits import RateLimitItem

# Expired windows are dropped at most this often, so the table stays bounded by the keys
# seen in one period without a sweep on every hit.
_SWEEP_SECONDS = 5.0


class FixedWindows:
    """Counters for one limit, keyed by whatever identifies the caller."""

    def __init__(self, item: RateLimitItem, clock: Callable[[], float] = time.time) -> None:
        self.amount = item.amount
        self.period = float(item.get_expiry())
        self._clock = clock
        self._windows: dict[tuple[str, str], list[float]] = {}  # key -> [ends at, hits]
        self._next_sweep = 0.0

    def hit(self, key: tuple[str, str]) -> float | None:
        """Counts one hit; None when allowed, else the time (epoch seconds) the window ends."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        window = self._windows.get(key)
        if window is None or window[0] <= now:
            window = self._windows[key] = [now + self.period, 0.0]
        window[1] += 1
        return None if window[1] <= self.amount else window[0]

    def __len__(self) -> int:
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
        self._next_sweep = now + min(self.period, _SWEEP_SECONDS)
