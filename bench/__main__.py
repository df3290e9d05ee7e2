"""`make bench`: every benchmark, each against a platform it starts on real databases.

1. the gateway alone, proxying to a constant upstream (bench.gateway);
2. catalog reads (GET /products/{id}, GET /products?searchTerm=) through the gateway and
   directly against the product service (bench.products);
3. order placement, the full saga, through the gateway (bench.orders).
Each prints its figures and writes JSON under bench/results/.
"""

from __future__ import annotations

import subprocess
import sys

from bench.platform import bench_platform


def main() -> int:
    gateway = subprocess.run([sys.executable, "-m", "bench.gateway"], check=False)
    with bench_platform(extra_env={"SEED_DEMO_DATA": "1"}) as stack:
        catalog = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.products",
                "--gateway",
                stack.gateway_url,
                "--service",
                stack.url("products"),
                # One token: a random secret may begin with "-", which argparse would misread.
                f"--secret={stack.secret}",
            ],
            check=False,
        )
    orders = subprocess.run([sys.executable, "-m", "bench.orders"], check=False)
    return gateway.returncode or catalog.returncode or orders.returncode


if __name__ == "__main__":
    raise SystemExit(main())
