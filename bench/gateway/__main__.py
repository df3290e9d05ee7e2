"""Gateway throughput: ours (uvicorn, granian), the seed's Express shape and nginx's
proxy_pass (the ceiling), each proxying the same constant upstream, wrk at 1, 16, 32 and 64
connections (32: where the project's gateway targets were set).

    uv run python -m bench.gateway [--connections 1,16,32,64] [--duration 5] [--rounds 3]

For a public GET and a GET with a JWT (verified, identity headers rewritten), prints req/s,
p50/p99, each gateway's CPU per request and the load average (medians of the rounds, the
servers taking turns), and the ratios to Express and to nginx in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.ports import free_port

from bench.cpu import cpu_seconds, with_children
from bench.gateway.nginx import nginx_binary
from bench.gateway.servers import ensure_node_baseline, start
from bench.wrk import require_wrk, run_wrk
from shop.common.tokens import Principal, issue_access_token

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"
JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"


def measure(
    servers: list[str], upstream: str, connections: list[int], duration: int, rounds: int
) -> list[dict[str, Any]]:
    """Every server up at once, measured in turn at each scenario and concurrency, `rounds`
    times with the order rotated each round, so that load from elsewhere on a shared machine
    weighs on each alike; each figure is the median of its rounds."""
    procs = {
        kind: (
            port := free_port(),
            start(kind, port=port, upstream=upstream, jwt_secret=JWT_SECRET),
        )
        for kind in servers
    }
    token = issue_access_token(Principal("u1", "u1@example.com", "user"), secret=JWT_SECRET)
    scenarios = {
        "public": ("/products/p1", {}),
        "jwt": ("/orders/o1", {"Authorization": f"Bearer {token}"}),
    }
    results = []
    try:
        for scenario, (path, headers) in scenarios.items():
            for count in connections:
                samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in procs}
                for turn in range(rounds):
                    order = list(procs)
                    order = order[turn % len(order) :] + order[: turn % len(order)]
                    for kind in order:
                        port, proc = procs[kind]
                        base = f"http://127.0.0.1:{port}"
                        samples[kind].append(_one_run(base, path, headers, count, duration, proc))
                for kind, runs in samples.items():
                    figure = _median_run(runs)
                    results.append(
                        {"server": kind, "scenario": scenario, "connections": count, **figure}
                    )
                    print(
                        f"{kind:8} {scenario:6} c={count:<3} {figure['requests_per_s']:9.1f} req/s"
                        f"  p50 {figure['p50_ms']:6.2f}  p99 {figure['p99_ms']:7.2f} ms"
                        f"  cpu {figure['cpu_us_per_request']:6.1f} us/req"
                        f"  load {figure['load_1m']:5.2f}  non-2xx {figure['non_2xx']}",
                        flush=True,
                    )
    finally:
        for _, proc in procs.values():
            proc.terminate()
            proc.wait(timeout=10)
    return results


def _one_run(
    base: str,
    path: str,
    headers: dict[str, str],
    count: int,
    duration: int,
    proc: subprocess.Popen[bytes],
) -> dict[str, Any]:
    """One warmed-up wrk run, with the gateway's CPU per request and the load average."""
    run_wrk(base=base, path=path, headers=headers, connections=count, duration=1)
    family = with_children(proc.pid)
    before = sum(cpu_seconds(p) for p in family)
    stats = run_wrk(
        base=base,
        path=path,
        headers=headers,
        connections=count,
        threads=min(count, 2),
        duration=duration,
    )
    cpu = sum(cpu_seconds(p) for p in family) - before
    stats["cpu_us_per_request"] = round(cpu / max(stats["requests"], 1) * 1e6, 1)
    stats["load_1m"] = float(Path("/proc/loadavg").read_text().split()[0])
    return stats


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure the median of its rounds; every round kept under "rounds"."""
    keys = ("requests_per_s", "p50_ms", "p99_ms", "cpu_us_per_request", "load_1m")
    figure: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    figure["non_2xx"] = sum(r["non_2xx"] for r in runs)
    figure["socket_errors"] = sum(r["socket_errors"] for r in runs)
    figure["rounds"] = [{key: r[key] for key in keys} for r in runs]
    return figure


def ratios(results: list[dict[str, Any]]) -> dict[str, float]:
    """Same run, same upstream. Ours / Express in req/s and Express / ours in CPU per
    request: above 1 means ours is better in both. Ours / nginx in req/s: the share of
    the ceiling ours reaches. nginx / Express: the most any proxy gains over Express here."""
    by = {(r["server"], r["scenario"], r["connections"]): r for r in results}
    out = {}
    for (server, scenario, count), r in by.items():
        where = f"{scenario} c={count}"
        express = by.get(("express", scenario, count))
        nginx = by.get(("nginx", scenario, count))
        if server == "nginx" and express is not None:
            out[f"nginx/express {where}"] = _ratio(r, express)
        if server in ("express", "nginx"):
            continue
        if express is not None:
            out[f"{server}/express {where}"] = _ratio(r, express)
            out[f"CPU per request, express/{server} {where}"] = round(
                express["cpu_us_per_request"] / max(r["cpu_us_per_request"], 0.1), 2
            )
        if nginx is not None:
            out[f"{server}/nginx {where}"] = _ratio(r, nginx)
    return out


def _ratio(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    return round(float(ours["requests_per_s"]) / float(theirs["requests_per_s"]), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="1,16,32,64")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", default="uvicorn,granian,express,nginx")
    args = parser.parse_args()
    require_wrk()
    servers = args.servers.split(",")
    if "express" in servers and (problem := ensure_node_baseline()):
        print(f"skipping the Express baseline: {problem}", file=sys.stderr)
        servers.remove("express")
    if "nginx" in servers and nginx_binary() is None:
        print("skipping the nginx ceiling: nginx is not installed", file=sys.stderr)
        servers.remove("nginx")
    connections = [int(c) for c in args.connections.split(",")]
    upstream_port = free_port()
    upstream = subprocess.Popen([sys.executable, str(HERE / "upstream.py"), str(upstream_port)])
    time.sleep(0.5)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    try:
        upstream_url = f"http://127.0.0.1:{upstream_port}"
        results = measure(servers, upstream_url, connections, args.duration, args.rounds)
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    out = {
        "benchmark": "gateway proxy",
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": Path("/proc/loadavg").read_text().split()[:3],
        "rounds": args.rounds,
        "results": results,
        "ratios": ratios(results),
    }
    print(json.dumps(out["ratios"], indent=2))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"gateway-{out['when']}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
