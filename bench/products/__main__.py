"""Catalog read benchmark: wrk at fixed concurrency against an already running platform.

    uv run python -m bench.products --gateway http://127.0.0.1:3000 \
        --service http://127.0.0.1:3002 --secret "$GATEWAY_SECRET" \
        [--product-id ID] [--search lamp] [--connections 32] [--duration 15]

Scenarios: GET /products/{id} and GET /products?searchTerm=..., each through the gateway
and directly against the product service (with the gateway secret). It starts nothing:
point it at processes you run (e.g. `SEED_DEMO_DATA=1 make run`). Prints requests/s and
p50/p99 per scenario and writes bench/results/products-<timestamp>.json. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.wrk import loopback, require_wrk, run_wrk

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"


def first_product_id(gateway: str) -> str:
    with urllib.request.urlopen(f"{gateway}/products?limit=1", timeout=10) as resp:
        items = json.load(resp)["data"]
    if not items:
        raise SystemExit("the catalog is empty: start with SEED_DEMO_DATA=1 or pass --product-id")
    return str(items[0]["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:3000")
    parser.add_argument("--service", default="http://127.0.0.1:3002")
    parser.add_argument("--secret", default=os.environ.get("GATEWAY_SECRET", ""))
    parser.add_argument("--product-id")
    parser.add_argument("--search", default="lamp")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15)
    args = parser.parse_args()
    require_wrk()
    gateway, service = loopback(args.gateway), loopback(args.service)
    secret = args.secret.split(",")[0] or None
    product_id = args.product_id or first_product_id(gateway)
    paths = {
        "get_product": f"/products/{urllib.parse.quote(product_id)}",
        "search": f"/products?{urllib.parse.urlencode({'searchTerm': args.search})}",
    }
    results: list[dict[str, Any]] = []
    for target, base, sent_secret in (("gateway", gateway, None), ("direct", service, secret)):
        for scenario, path in paths.items():
            stats = run_wrk(
                base=base,
                path=path,
                headers={"x-gateway-secret": sent_secret} if sent_secret else None,
                connections=args.connections,
                threads=args.threads,
                duration=args.duration,
            )
            results.append({"scenario": scenario, "target": target, "path": path, **stats})
            print(
                f"{scenario:<12} {target:<8} {stats['requests_per_s']:>10.1f} req/s"
                f"  p50 {stats['p50_ms']:>7.2f} ms  p99 {stats['p99_ms']:>7.2f} ms"
                f"  non-2xx {stats['non_2xx']}  errors {stats['socket_errors']}",
                flush=True,
            )
    report = {
        "benchmark": "products-catalog-reads",
        "time": datetime.now(UTC).isoformat(),
        "connections": args.connections,
        "threads": args.threads,
        "duration_s": args.duration,
        "python": sys.version.split()[0],
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"products-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
