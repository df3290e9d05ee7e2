"""The median run among several at one step, as every bench table and plot picks it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def median_by(runs: Iterable[dict[str, Any]], rate: str) -> dict[str, Any] | None:
    """The run with the median `rate` (the lower of the middle two): a run that happened,
    with its own latency and CPU beside it, not an average of several; None for none."""
    ordered = sorted(runs, key=lambda r: float(r[rate]))
    return ordered[(len(ordered) - 1) // 2] if ordered else None
