"""Test-only crash points: the process kills itself, as a power cut would, at a saga step."""

from __future__ import annotations

import os
import signal

from shop.common.logging import get_logger

log = get_logger("shop.orders.faults")


class FaultInjector:
    """Kills the process with SIGKILL when the saga reaches the configured point."""

    def __init__(self, point: str | None) -> None:
        self._point = point

    def reached(self, point: str) -> None:
        if self._point == point:
            log.warning("fault_injected", point=point)
            os.kill(os.getpid(), signal.SIGKILL)


NO_FAULTS = FaultInjector(None)
