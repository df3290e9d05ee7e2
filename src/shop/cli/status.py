"""`shop status`: every process's readiness in one table, with the failing check named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shop.cli.client import Client
from shop.launcher.endpoints import process_urls


@dataclass(frozen=True)
class Row:
    process: str
    state: str  # ready, unavailable, alive (liveness only), down
    url: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("ready", "alive")


def _failing_checks(body: Any) -> str:
    checks = body.get("checks") if isinstance(body, dict) else None
    if not isinstance(checks, dict):
        return ""
    failing = []
    for name, check in checks.items():
        if isinstance(check, dict) and check.get("status") != "up":
            error = check.get("error")
            failing.append(f"{name} down" + (f" ({error})" if error else ""))
    return "; ".join(failing)


def probe(process: str, base: str, *, timeout: float = 3.0) -> Row:
    """One process's row: /health/ready per the contract, /health where that is not served."""
    client = Client(base, timeout=timeout)
    ready_url = f"{base}/health/ready"
    try:
        reply = client.get("/health/ready")
        # The contract serves /health/ready without the gateway secret: a 401/403 means this
        # build has no such route yet (the secret check answers before routing), like a 404.
        if reply.status in (401, 403, 404):
            alive = client.get("/health")
            live = "alive" if alive.status == 200 else "down"
            note = f"/health/ready not served (HTTP {reply.status}): liveness only (/health)"
            return Row(process, live, f"{base}/health", note)
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        return Row(process, "down", ready_url, f"no answer: {reason}")
    body = reply.body.get("data", reply.body) if isinstance(reply.body, dict) else reply.body
    state = body.get("status") if isinstance(body, dict) else None
    if reply.status == 200:
        return Row(process, "ready", ready_url, _failing_checks(body))
    detail = _failing_checks(body) or f"HTTP {reply.status}"
    return Row(process, str(state or "unavailable"), ready_url, detail)


def status_table(env: Mapping[str, str]) -> tuple[list[Row], str]:
    """The rows and the table as text."""
    rows = [probe(name, base) for name, (base, _) in process_urls(env).items()]
    header = ("process", "state", "checked", "failing / note")
    cells = [header, *[(r.process, r.state, r.url, r.detail) for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in cells]
    return rows, "\n".join(line.rstrip() for line in lines)


def main(env: Mapping[str, str]) -> int:
    rows, table = status_table(env)
    print(table)
    return 0 if all(r.ok for r in rows) else 1
