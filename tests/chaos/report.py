"""The run's findings as one table (printed) and one JSON document; the invariants checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.faults import Fault
from tests.chaos.load import Outcome
from tests.chaos.observe import EventTap

MAILED_TYPES = frozenset(
    {"user.registered", "order.created", "order.status_changed", "order.cancelled",
     "product.low_stock"}
)  # fmt: skip
SERVER_STATUSES_A_FAULT_EXPLAINS = frozenset({502, 503, 504})


@dataclass
class Report:
    sections: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def check(self, holds: bool, what: str) -> None:
        if not holds:
            self.violations.append(what)


def client_errors(outcomes: list[Outcome], faults: list[Fault]) -> dict[str, Any]:
    """Errors by status; each 5xx or drop matched to the fault whose window it falls in."""
    by_status: Counter[str] = Counter()
    explained: Counter[str] = Counter()
    unexplained: list[str] = []
    for outcome in outcomes:
        status = outcome.status
        if status is not None and status < 400:
            continue
        key = str(status) if status is not None else f"dropped ({outcome.error})"
        by_status[key] += 1
        if status is not None and status < 500:
            continue
        # The latest fault that can fail a request: a cut broker or a killed worker cannot
        # (events wait in the outboxes), so they explain nothing.
        culprits = [f for f in faults if f.can_fail_requests and f.explains(outcome.at)]
        culprit = max(culprits, key=lambda f: f.started or 0.0, default=None)
        if culprit is not None and (status is None or status in SERVER_STATUSES_A_FAULT_EXPLAINS):
            explained[f"{key} during {culprit.label}"] += 1
        else:
            unexplained.append(f"{outcome.at:.1f}s {outcome.action} -> {key}")
    return {
        "requests": len(outcomes),
        "by_status": dict(sorted(by_status.items())),
        "explained": dict(sorted(explained.items())),
        "unexplained": unexplained,
    }


def events_and_mails(
    outboxes: dict[str, list[dict[str, Any]]], tap: EventTap, subjects: set[str],
    mails: Counter[str],
) -> dict[str, Any]:  # fmt: skip
    """Outbox rows (committed changes) against what the broker carried and the worker mailed.

    `subjects` are the ids of this platform's users, products and orders: the broker is
    shared, so an event is this platform's if an outbox holds it or it names one of them.
    """
    committed = {row["event_id"]: row["event_type"] for rows in outboxes.values() for row in rows}
    unpublished = sum(1 for rows in outboxes.values() for row in rows if not row["published"])
    seen = {e for e in tap.seen if e in committed} | tap.about(subjects)
    types = {**tap.types, **committed}
    mailed = {e for e in seen | set(committed) if types.get(e) in MAILED_TYPES}
    return {
        "committed": len(committed),
        "committed_by_type": dict(Counter(committed.values())),
        "unpublished": unpublished,
        "published (unique ids)": len(seen),
        "redelivered": sum(tap.seen[e] - 1 for e in seen),
        "lost": sorted(set(committed) - set(tap.seen))[:20],
        "phantom": sorted(seen - set(committed))[:20],
        "mails": sum(mails[e] for e in mailed),
        "events_without_mail": sorted(e for e in mailed if not mails[e])[:20],
        "events_mailed_twice": sorted(e for e in mailed if mails[e] > 1)[:20],
    }


def render(report: Report) -> str:
    """The table: one line per figure, grouped by section."""
    lines = []
    for section, values in report.sections.items():
        lines.append(f"== {section}")
        for key, value in values.items() if isinstance(values, dict) else [("", values)]:
            lines.append(f"  {key:<32} {value}")
    verdict = "OK: every invariant held" if report.ok else "BROKEN:"
    lines.append(verdict)
    lines += [f"  - {v}" for v in report.violations]
    return "\n".join(lines)
