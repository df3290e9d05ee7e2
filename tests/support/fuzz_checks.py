"""What every gateway response must satisfy, whatever the request: the fuzzers' checks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.checks import response_schema_conformance
from schemathesis.core.result import Err

from tests.support.log_hygiene import leaks

_STACK_TRACE = re.compile(r'Traceback \(most recent call last\)|File "[^"]+", line \d+')
# Where a token in the body is the point of the answer.
_ISSUES_TOKENS = frozenset({"/auth/login", "/auth/refresh"})


@dataclass
class FuzzTally:
    """Counts of one fuzz run: cases by status and failures by kind (with one example each)."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def fail(self, kind: str, example: str) -> None:
        self.failures[kind] += 1
        self.examples.setdefault(kind, example[:400])

    def summary(self) -> str:
        cases = sum(self.statuses.values())
        by_status = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        failed = ", ".join(f"{k}: {n}" for k, n in sorted(self.failures.items())) or "none"
        return f"{cases} cases ({by_status}); failures: {failed}"


def check_response(case: Any, response: Any, secrets: list[str], tally: FuzzTally) -> None:
    """Records in `tally` every way `response` (schemathesis's) breaks the contract."""
    status = response.status_code
    tally.statuses[status] += 1
    where = f"{case.method} {case.formatted_path} -> {status}: {response.text[:300]}"
    if status >= 500:
        tally.fail("5xx", where)
    if _STACK_TRACE.search(response.text):
        tally.fail("stack trace in body", where)
    path = case.operation.path
    body_leaks = leaks(response.text, secrets)
    if path in _ISSUES_TOKENS:
        body_leaks = [leak for leak in body_leaks if "JWT" not in leak]
    if body_leaks:
        tally.fail("secret in body", f"{where} ({body_leaks})")
    if 400 <= status < 500 and not _is_error_envelope(response):
        tally.fail("4xx without the envelope", where)
    try:
        case.validate_response(response, checks=[response_schema_conformance])
    except Exception as exc:  # schemathesis raises its own failure groups
        tally.fail("response not as documented", f"{where} ({str(exc)[:200]})")


def _is_error_envelope(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and body.get("success") is False
        and isinstance(body.get("message"), str)
        and isinstance(body.get("errors"), list)
        and isinstance(body.get("requestId"), str)
        and [body["requestId"]] == response.headers.get("x-request-id")
    )


def operations_of(openapi: dict[str, Any]) -> list[Any]:
    """Every operation of an OpenAPI document; a part schemathesis cannot read fails here."""
    operations = []
    for result in schemathesis.openapi.from_dict(openapi).get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations
