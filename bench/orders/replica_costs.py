"""What two order replicas cost per order against one, process by process: measured each
run, so why two replicas do or do not beat one is read off the run, not argued."""

from __future__ import annotations

import statistics
from typing import Any


def cpu_per_order_two_vs_one(replicated: dict[str, Any]) -> dict[str, float]:
    """For each process, the median over the pairs (a run with one replica of each service,
    then one with the replicas, on fresh platforms) of two's CPU per order / one's, and of
    the sum over all processes. Empty for results without pairs."""
    one = replicated.get("paired_one", {}).get("runs", [])
    two = replicated.get("runs", [])
    pairs = list(zip(one, two, strict=False))
    if not pairs:
        return {}
    out: dict[str, float] = {}
    for process in pairs[0][0]["cpu_ms_per_order"]:
        shares = [
            b["cpu_ms_per_order"][process] / a["cpu_ms_per_order"][process]
            for a, b in pairs
            if a["cpu_ms_per_order"].get(process) and process in b["cpu_ms_per_order"]
        ]
        if shares:
            out[process.split(" ")[0]] = round(statistics.median(shares), 2)
    totals = [
        sum(b["cpu_ms_per_order"].values()) / sum(a["cpu_ms_per_order"].values()) for a, b in pairs
    ]
    out["all processes"] = round(statistics.median(totals), 2)
    return out
