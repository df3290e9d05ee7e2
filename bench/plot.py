"""A PNG of one `make bench` run: throughput and p99 against connections, a row of panels
for each of the gateway, order placement and login (a part missing or failed is left out).

    uv run python -m bench.plot [bench/results/bench-<stamp>.json] [--readme]

Writes bench/results/bench-<stamp>.png next to the JSON (default: the newest one) and, with
--readme, bench/plot.png, the picture bench/README.md shows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.medians import median_by

HERE = Path(__file__).parent
RESULTS = HERE / "results"
README_PLOT = HERE / "plot.png"

# One point: (connections, throughput per second, p99 in ms).
Point = tuple[int, float, float]
Lines = dict[str, list[Point]]


def _gateway_lines(gateway: dict[str, Any]) -> Lines:
    lines: Lines = {}
    for r in gateway.get("results", []):
        point = (r["connections"], r["requests_per_s"], r["p99_ms"])
        lines.setdefault(f"{r['server']} {r['scenario']}", []).append(point)
    return lines


def _runs_lines(runs: Iterable[dict[str, Any]], label: str, rate: str) -> Lines:
    # Several runs at one step (the orders bench repeats 32 connections): the median one.
    steps: dict[int, list[dict[str, Any]]] = {}
    for r in runs:
        steps.setdefault(r["connections"], []).append(r)
    chosen = [median_by(s, rate) for s in steps.values()]
    points = [(r["connections"], r[rate], r["latency_ms"]["p99"]) for r in chosen if r]
    return {label: points} if points else {}


def _orders_lines(orders: dict[str, Any]) -> Lines:
    lines: Lines = {}
    for key in ("single", "replicated"):
        part = orders.get(key) or {}
        label = str(part.get("replicas", key))
        lines |= _runs_lines(part.get("runs", []), label, "orders_per_s")
    return lines


def _login_lines(login: dict[str, Any]) -> Lines:
    return _runs_lines(login.get("runs", []), "login", "logins_per_s")


# part of the run -> (what its throughput counts, how to read its lines)
PANELS: dict[str, tuple[str, Callable[[dict[str, Any]], Lines]]] = {
    "gateway": ("requests/s", _gateway_lines),
    "orders": ("orders/s", _orders_lines),
    "login": ("logins/s", _login_lines),
}


def _draw(axes: Axes, lines: Lines, column: int, ylabel: str, title: str) -> None:
    ticks: set[int] = set()
    for label, every in lines.items():
        # wrk reports a p99 of 0 when no request finished: no latency to draw there.
        points = sorted(p for p in every if column == 1 or p[2] > 0)
        ticks |= {p[0] for p in points}
        axes.plot([p[0] for p in points], [p[column] for p in points], marker="o", label=label)
    # Connections go 1, 16, 32, 64: a log axis spaces them evenly, ticks say the real values.
    axes.set_xscale("log", base=2)
    axes.set_xticks(sorted(ticks), labels=[str(t) for t in sorted(ticks)])
    axes.set_xlabel("connections")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)


def plot(run: dict[str, Any], path: Path) -> Path | None:
    """Draw the run's panels into `path` (PNG); None, and no file, when no part has data."""
    rows = []
    for part, (rate, read) in PANELS.items():
        data = run.get(part)
        if not isinstance(data, dict) or data.get("failed"):
            continue
        lines = read(data)
        if lines:
            rows.append((part, rate, lines))
    if not rows:
        return None
    figure = Figure(figsize=(12, 4 * len(rows)), layout="constrained")
    FigureCanvasAgg(figure)  # render with Agg, whatever backend pyplot would pick
    grid = figure.subplots(len(rows), 2, squeeze=False)
    for (part, rate, lines), (left, right) in zip(rows, grid, strict=True):
        _draw(left, lines, 1, rate, f"{part}: {rate}")
        _draw(right, lines, 2, "p99 ms", f"{part}: p99 latency")
        right.legend(fontsize="small")
    machine = run.get("machine", {})
    figure.suptitle(
        f"make bench {run.get('when', '')}: {machine.get('cpu', '?')}, "
        f"{machine.get('cpus', '?')} CPUs"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", type=Path, help="default: the newest bench-*.json")
    parser.add_argument("--readme", action="store_true", help="also write bench/plot.png")
    args = parser.parse_args(argv)
    source: Path | None = args.run or max(RESULTS.glob("bench-2*.json"), default=None)
    if source is None:
        print(f"no bench-*.json in {RESULTS}: run `make bench` first", file=sys.stderr)
        return 2
    run = json.loads(source.read_text())
    written = plot(run, source.with_suffix(".png"))
    if written is None:
        print(f"{source}: no gateway, orders or login figures to plot", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    if args.readme:
        README_PLOT.write_bytes(written.read_bytes())
        print(f"wrote {README_PLOT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
