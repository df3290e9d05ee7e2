"""deploy/observability, checked offline: every process is scraped, every rule and panel
names only metrics the contract defines, and every alert points at its runbook."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.deploy_files import DEPLOY, ROOT, load_yaml, processes

OBSERVABILITY = DEPLOY / "observability"
OPERATIONS = ROOT / "docs" / "operations.md"
# Series that come from the monitoring stack itself, not from a shop process.
EXTERNAL_SERIES = {
    "up": "Prometheus, one per scrape target",
    "probe_success": "the blackbox exporter probing /health/ready",
}
_HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
_PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "le", "inf", "nan",
}  # fmt: skip


def _contract_metrics_table() -> str:
    """The metrics table of CONTRACT.md (shared/ beside the clone); else the copy kept in
    docs/operations.md, which the test below holds equal to it whenever both are here."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        contract = candidate / "CONTRACT.md"
        if contract.is_file():
            return contract.read_text(encoding="utf-8")
    return OPERATIONS.read_text(encoding="utf-8")


def _metric_names(text: str) -> set[str]:
    section = text.split("## Health, readiness and metrics", 1)[-1]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


CONTRACT = _metric_names(_contract_metrics_table())


def series_in(expr: str) -> set[str]:
    """Metric names an expression selects (labels, strings, functions and keywords aside)."""
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    found = set()
    for match in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _PROMQL_WORDS or re.fullmatch(r"\d.*", name):
            continue
        found.add(name)
    return found


def _known(series: str) -> bool:
    if series in CONTRACT or series in EXTERNAL_SERIES:
        return True
    return any(series.endswith(s) and series[: -len(s)] in CONTRACT for s in _HISTOGRAM_SUFFIXES)


def _rules() -> list[dict[str, Any]]:
    doc = load_yaml(OBSERVABILITY / "alerts.yml")
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text("utf-8"))
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_the_contract_table_was_found() -> None:
    assert {"http_requests_total", "shop_orders_total", "notifications_dlq_depth"} <= CONTRACT


def test_series_parser_finds_names_and_skips_the_rest() -> None:
    expr = 'sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / up > 0.05'
    assert series_in(expr) == {"http_requests_total", "up"}
    assert not _known("made_up_total")


def test_every_process_is_scraped_on_its_metrics_port() -> None:
    config = load_yaml(OBSERVABILITY / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    expected = {"gateway": 9100, "notifications": 3005}
    for name, process in processes().items():
        port = expected.get(name, process.rest_port)
        (static,) = jobs[name]["static_configs"]
        assert static["targets"] == [f"{name}:{port}"], name
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
    assert (OBSERVABILITY / config["rule_files"][0]).is_file()


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_alert_rules_name_only_contract_metrics_and_a_runbook(rule: dict[str, Any]) -> None:
    names = series_in(rule["expr"])
    assert names, rule["alert"]
    assert all(_known(n) for n in names), sorted(n for n in names if not _known(n))
    assert rule["labels"]["severity"] in {"page", "ticket"}
    assert rule["annotations"]["summary"]
    runbook = rule["annotations"]["runbook"]
    path, _, anchor = runbook.partition("#")
    headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text("utf-8"), re.M)
    slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    assert anchor in slugs, f"{rule['alert']}: no section #{anchor} in {path}"


def test_alerts_cover_what_the_issue_names() -> None:
    watched = set().union(*(series_in(rule["expr"]) for rule in _rules()))
    for series in (
        "outbox_pending",
        "notifications_dlq_depth",
        "circuit_breaker_open",
        "http_requests_total",
        "probe_success",
    ):
        assert series in watched, series


def test_dashboard_panels_name_only_contract_metrics() -> None:
    exprs = _dashboard_exprs()
    shown = set().union(*(series_in(e) for e in exprs))
    assert all(_known(n) for n in shown), sorted(n for n in shown if not _known(n))
    business = {n for n in CONTRACT if n.startswith("shop_")}
    assert business <= {n.removesuffix("_bucket") for n in shown}, business - shown


def test_operations_doc_lists_exactly_the_contract_metrics() -> None:
    documented = _metric_names(OPERATIONS.read_text(encoding="utf-8"))
    assert documented == CONTRACT


def test_series_in_handles_multiline_rules() -> None:
    assert series_in("max by (service, peer) (\n  circuit_breaker_open\n) == 1") == {
        "circuit_breaker_open"
    }
