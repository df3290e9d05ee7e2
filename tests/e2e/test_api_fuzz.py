"""Schemathesis against every service's own OpenAPI, on the real running processes.

Whatever a client sends, valid by the schema or not, no service answers 5xx. Calls go
straight to each service with the gateway secret and a real user's identity, as the gateway
would send them, so generated input reaches the handlers instead of stopping at auth.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.support.fuzz_checks import operations_of
from tests.support.stack import Stack

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture(scope="module")
def identity(stack: Stack) -> dict[str, str]:
    user = stack.new_user()["user"]
    return {
        "x-gateway-secret": stack.secret,
        "x-user-id": user["id"],
        "x-user-email": user["email"],
        "x-user-role": "user",
    }


def _operations(stack: Stack, service: str) -> list[Any]:
    resp = httpx.get(
        f"{stack.url(service)}/openapi.json", headers={"x-gateway-secret": stack.secret}
    )
    assert resp.status_code == 200
    return operations_of(resp.json())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("service", ["users", "products", "orders"])
def test_no_input_makes_a_service_fail(
    stack: Stack, identity: dict[str, str], service: str, mode: GenerationMode
) -> None:
    base_url = stack.url(service)
    operations = _operations(stack, service)
    assert operations, f"{service} publishes no operations"
    exercised = 0
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            response = case.call(base_url=base_url, headers=identity, timeout=30)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]}"
            )
            case.validate_response(response, checks=[not_a_server_error])

        try:
            call()
        except Unsatisfiable:
            # Negative mode has nothing to break in an operation that takes no input.
            assert mode is GenerationMode.NEGATIVE
            continue
        exercised += 1
    assert exercised >= len(operations) // 2
