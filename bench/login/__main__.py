"""Login benchmark: wrk drives POST /auth/login through the gateway to the user service
(MariaDB), and the cost of one argon2id verification is measured apart, in this process,
with the same hasher parameters, because it dominates a login.

    uv run python -m bench.login [--connections 1,16,64] [--duration 10] [--accounts 50]

Reports logins/s, latency, CPU per login of the gateway and the user service, and what
share of the user service's CPU the password check accounts for.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from tests.support.stack import Stack

from bench.cpu import CpuMeter
from bench.platform import bench_platform, service_pids
from bench.wrk import require_wrk, run_wrk

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"


def argon2_verify_ms(samples: int = 20) -> dict[str, float]:
    """One verification with argon2-cffi's default parameters (what the user service uses)."""
    hasher = PasswordHasher()
    digest = hasher.hash("bench-password-123")
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        hasher.verify(digest, "bench-password-123")
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2)}


def register(stack: Stack, count: int, path: Path) -> None:
    lines = []
    for _ in range(count):
        email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        password = secrets.token_urlsafe(12)
        resp = stack.client.post(
            "/auth/register", json={"email": email, "password": password, "name": "Bench"}
        )
        assert resp.status_code == 201, resp.text
        lines.append(f"{email} {password}")
    path.write_text("\n".join(lines) + "\n")


def meter(stack: Stack) -> CpuMeter:
    return CpuMeter({name: service_pids(stack, name) for name in ("gateway", "users")})


def login_run(stack: Stack, accounts: Path, *, connections: int, duration: int) -> dict[str, Any]:
    cpu = meter(stack)
    cpu.start()
    stats = run_wrk(
        base=stack.gateway_url,
        path="/auth/login",
        connections=connections,
        duration=duration,
        script=HERE / "login.lua",
        timeout_s=30,  # a login waits its turn for a hashing thread; count it, don't drop it
        script_env={"ACCOUNTS": str(accounts)},  # what login.lua reads
    )
    used = cpu.stop()
    done = max(stats["requests"] - stats["non_2xx"], 1)
    return {
        "connections": connections,
        "logins_per_s": round(done / (stats["duration_us"] / 1e6), 1),
        "non_2xx": stats["non_2xx"],
        "socket_errors": stats["socket_errors"],
        "latency_ms": {k: stats[f"{k}_ms"] for k in ("p50", "p90", "p99", "max")},
        "cpu_ms_per_login": {name: round(s * 1000 / done, 2) for name, s in used.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=50)
    args = parser.parse_args()
    require_wrk()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    result: dict[str, Any] = {"benchmark": "login", "when": stamp}
    result["load_average_before"] = Path("/proc/loadavg").read_text().split()[:3]
    result["argon2_verify"] = argon2_verify_ms()
    print(json.dumps(result["argon2_verify"]), flush=True)
    result["runs"] = []
    with bench_platform() as stack:
        accounts = stack.log_dir.parent / "accounts.txt"
        register(stack, args.accounts, accounts)
        for count in (int(c) for c in args.connections.split(",")):
            run = login_run(stack, accounts, connections=count, duration=args.duration)
            users_ms = run["cpu_ms_per_login"]["users"]
            # The service verifies once per login: the rest is HTTP, JSON, SQL and JWT.
            run["argon2_share_of_users_cpu"] = round(
                min(1.0, result["argon2_verify"]["p50_ms"] / max(users_ms, 0.01)), 2
            )
            result["runs"].append(run)
            print(json.dumps(run), flush=True)
    result["load_average_after"] = Path("/proc/loadavg").read_text().split()[:3]
    path = RESULTS / f"login-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
