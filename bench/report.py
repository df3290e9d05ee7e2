"""The markdown table of one `make bench` run: ratios to same-run baselines first."""

from __future__ import annotations

from typing import Any

from bench.login_report import markdown_rows as _login


def _gateway(g: dict[str, Any]) -> list[str]:
    rows = ["| server | request | connections | req/s | p50 ms | p99 ms | CPU us/req |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in g.get("results", []):
        rows.append(
            f"| {r['server']} | {r['scenario']} | {r['connections']} | {r['requests_per_s']:,.0f}"
            f" | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_us_per_request']:.0f} |"
        )
    header = "| ratio, same run (ours / Express, ours / nginx, nginx / Express) | value |"
    rows += ["", header, "|---|---|"]
    rows += [f"| {name} | {value:.2f}x |" for name, value in g.get("ratios", {}).items()]
    return rows


def _orders(o: dict[str, Any]) -> list[str]:
    anchor = o.get("pgbench", {}).get("inserts_per_s")
    samples = o.get("pgbench", {}).get("samples_inserts_per_s")
    # Runs from before the anchor was sampled three times have one figure.
    each = f" (median of {', '.join(f'{s:,}' for s in samples)})" if samples else ""
    rows = [
        f"pgbench single-row inserts, 32 clients, same server, same run: {anchor:,} /s{each}",
        "",
    ]
    header = "| replicas | connections | orders/s | % of pgbench | p50 ms | p99 ms | CPUs busy |"
    rows += [header + " CPU ms/order by process |", "|---|---|---|---|---|---|---|---|"]
    replicated = o.get("replicated") or {}
    parts: list[dict[str, Any]] = [o.get("single") or {}, replicated.get("paired_one") or {}]
    for part in [*parts, replicated]:
        for r in part.get("runs", []):
            cpu = ", ".join(f"{k.split(' ')[0]} {v}" for k, v in r["cpu_ms_per_order"].items())
            share = 100 * r["orders_per_s"] / anchor if anchor else 0
            # Runs from before the machine's busy share was measured have none.
            busy = f"{r['machine_busy_pct']}%" if "machine_busy_pct" in r else "-"
            rows.append(
                f"| {part['replicas']} | {r['connections']} | {r['orders_per_s']}"
                f" | {share:.2f}% | {r['latency_ms']['p50']} | {r['latency_ms']['p99']}"
                f" | {busy} | {cpu} |"
            )
    hot = o.get("single", {}).get("hot_product")
    if hot:
        rows += [
            "",
            f"Hot product ({hot['stock_before']} units, 50 buyers, 32 connections): "
            f"{hot['answers_per_s']} answers/s, {hot['confirmed_units']} sold, "
            f"oversold {hot['oversold']}, stock balances: {hot['stock_balances']}",
        ]
    rows += ["", "| ratio | value |", "|---|---|"]
    rows += [f"| {k} | {v} |" for k, v in o.get("ratios", {}).items()]
    return rows


def _catalog(c: dict[str, Any]) -> list[str]:
    sizes = list(c.get("sizes", {}))
    rows = ["| query (p50 ms) | " + " | ".join(f"{int(s):,}" for s in sizes) + " | growth |",
            "|---|" + "---|" * (len(sizes) + 1)]  # fmt: skip
    for name in c.get("growth", {}):
        cells = " | ".join(f"{c['sizes'][s][name]['p50_ms']:.2f}" for s in sizes)
        rows.append(f"| {name} | {cells} | {c['growth'][name]:.2f}x |")
    loads = ", ".join(f"{int(s):,}: {t}s" for s, t in c.get("load_seconds", {}).items())
    rows += ["", f"Bulk load (COPY, index rebuild, VACUUM ANALYZE), products + orders: {loads}"]
    return rows


SECTIONS = (("gateway", _gateway), ("orders", _orders), ("catalog", _catalog), ("login", _login))


def markdown(run: dict[str, Any]) -> str:
    m = run["machine"]
    out = [f"# `make bench` run {run['when']}", "",
           f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gb']} GB, {m['os']}, "
           f"Python {m['python']}; {m['note']}.", ""]  # fmt: skip
    for step, render in SECTIONS:
        part = run.get(step, {})
        load = " ".join(str(x) for x in part.get("load_average_at_start", []))
        out += [f"## {step} (load average at start: {load})", ""]
        out += ["failed: see the console output"] if part.get("failed") else render(part)
        out.append("")
    return "\n".join(out)
