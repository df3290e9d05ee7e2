"""Children's output, when the launcher shows it: echoed line by line to the launcher's
stdout, and the last lines of each kept to say why a process stopped."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import deque
from typing import IO

_KEPT_LINES = 40


class ChildOutput:
    """One reader thread per child; lines are written whole, so processes never interleave
    within a line."""

    def __init__(self, sink: IO[bytes] | None = None) -> None:
        self._sink = sink if sink is not None else sys.stdout.buffer
        self._lock = threading.Lock()
        self._tails: dict[str, deque[str]] = {}
        self._readers: dict[str, threading.Thread] = {}
        self._finished: list[threading.Thread] = []

    def attach(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        """Starts echoing `proc`'s piped stdout; a restarted process keeps its tail."""
        assert proc.stdout is not None, "the child's stdout must be a pipe"
        tail = self._tails.setdefault(name, deque(maxlen=_KEPT_LINES))
        reader = threading.Thread(
            target=self._pump, args=(proc.stdout, tail), name=f"output-{name}", daemon=True
        )
        reader.start()
        previous = self._readers.get(name)
        if previous is not None:
            self._finished.append(previous)
        self._readers[name] = reader

    def _pump(self, stream: IO[bytes], tail: deque[str]) -> None:
        with stream:
            for line in stream:
                tail.append(line.decode(errors="replace").rstrip())
                with self._lock:
                    try:
                        self._sink.write(line)
                        self._sink.flush()
                    except (OSError, ValueError):
                        pass  # our own stdout went away (closed pipe): keep draining

    def last_lines(self, name: str, count: int = 10, *, exited: bool = False) -> list[str]:
        """The last lines `name` wrote (across its restarts), oldest first; once it has
        `exited`, waits (briefly) until its last line has been read."""
        reader = self._readers.get(name)
        if exited and reader is not None:
            reader.join(2.0)
        return list(self._tails.get(name, ()))[-count:]

    def drain(self, timeout: float = 2.0) -> None:
        """Waits for the children's last lines after they exit."""
        for reader in [*self._finished, *self._readers.values()]:
            reader.join(timeout)
        self._finished.clear()
