"""The `shop` console script: `shop status`, `shop demo-traffic [--minutes N]`."""

from __future__ import annotations

import argparse
import os
import sys

from shop.cli import status, traffic
from shop.launcher.endpoints import gateway_url


def main(argv: list[str] | None = None) -> int:
    """Reads the same port variables as `make run`, so it finds what the launcher started."""
    parser = argparse.ArgumentParser(prog="shop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="readiness of every process, with the failing check")
    drive = commands.add_parser("demo-traffic", help="realistic traffic through the gateway")
    drive.add_argument("--minutes", type=float, default=1.0, help="how long (max 60)")
    drive.add_argument("--rate", type=float, default=3.0, help="actions a second (max 20)")
    drive.add_argument("--gateway", default=None, help="gateway URL (loopback only)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.command == "status":
        return status.main(env)
    try:
        outcomes = traffic.run(
            args.gateway or gateway_url(env), minutes=args.minutes, rate=args.rate
        )
    except ValueError as exc:
        print(f"shop: {exc}", file=sys.stderr)
        return 2
    return 0 if outcomes else 1


if __name__ == "__main__":
    raise SystemExit(main())
