"""When to restart a crashed process, and when to give up on it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RestartPolicy:
    """Exponential backoff per process; `max_crashes` within `window_seconds` means the
    process cannot run here (a bug, a broken configuration), so the launcher stops."""

    max_crashes: int = 3
    window_seconds: float = 60.0
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    _crashes: dict[str, deque[float]] = field(default_factory=dict)

    def delay_after_crash(self, name: str, now: float) -> float | None:
        """Records a crash of `name` at `now`; the delay before restarting it, or None when
        it crashed too often to go on."""
        crashes = self._crashes.setdefault(name, deque())
        crashes.append(now)
        while crashes and now - crashes[0] > self.window_seconds:
            crashes.popleft()
        if len(crashes) >= self.max_crashes:
            return None
        return min(self.base_delay_seconds * 2.0 ** (len(crashes) - 1), self.max_delay_seconds)

    def crashes_in_window(self, name: str) -> int:
        return len(self._crashes.get(name, ()))
