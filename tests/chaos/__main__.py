"""`python -m tests.chaos [--seed N] [--duration S] [--json PATH]`: one chaos run.

Prints the seed first (the same seed replays the same faults at the same moments), then the
table; writes it as JSON too; exits 1 when an invariant broke.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path

from tests.chaos.report import render
from tests.chaos.run import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(1_000_000))
    parser.add_argument("--duration", type=float, default=420, help="seconds of load")
    parser.add_argument("--users", type=int, default=8, help="concurrent virtual clients")
    parser.add_argument("--json", type=Path, default=None, help="where to write the report")
    args = parser.parse_args()
    root = Path("var/chaos") / f"run-{args.seed}"
    out = args.json or root / "report.json"
    print(f"chaos: seed {args.seed} (replay: python -m tests.chaos --seed {args.seed} "
          f"--duration {args.duration:g})", flush=True)  # fmt: skip
    report = asyncio.run(
        run(seed=args.seed, duration=args.duration, root=root.resolve(), virtual_users=args.users)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({**report.sections, "violations": report.violations}, indent=2, default=str)
    )
    print(render(report))
    print(f"chaos: report written to {out}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
