"""The login section of the `make bench` table: password hashing reported apart, since one
argon2id verification costs more CPU than all the rest of a login."""

from __future__ import annotations

from typing import Any


def markdown_rows(login: dict[str, Any]) -> list[str]:
    """The markdown lines of `bench.login`'s result (login-<stamp>.json)."""
    runs = login.get("runs", [])
    if not runs:
        return ["no login runs recorded"]
    verify = login.get("argon2_verify", {})
    rows = [
        "One argon2id verification (argon2-cffi defaults, as the user service hashes), timed "
        f"alone in the bench process: p50 {verify.get('p50_ms', '?')} ms, "
        f"min {verify.get('min_ms', '?')} ms.",
        "",
        "| connections | logins/s | p50 ms | p99 ms | errors | CPU ms/login gateway"
        " | CPU ms/login users | argon2 verify ms | argon2 share of users CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        latency, cpu = r["latency_ms"], r["cpu_ms_per_login"]
        # Timed-out requests count as socket errors: a row with errors has too few logins
        # behind its latency to read it alone.
        errors = r.get("non_2xx", 0) + r.get("socket_errors", 0)
        rows.append(
            f"| {r['connections']} | {r['logins_per_s']:,.1f} | {latency['p50']:,.2f}"
            f" | {latency['p99']:,.2f} | {errors} | {cpu.get('gateway', 0):,.2f}"
            f" | {cpu.get('users', 0):,.2f} | {verify.get('p50_ms', 0):,.2f}"
            f" | {100 * r.get('argon2_share_of_users_cpu', 0):.0f}% |"
        )
    return rows
