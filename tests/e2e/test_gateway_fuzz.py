"""Schemathesis through the gateway, as anonymous, a user and an admin.

Whatever a client sends, valid by the schema or not: no 5xx, every response as documented,
no stack trace, hash, token or secret in a body, every 4xx in the envelope with its
`requestId`. `make test` runs a bounded number of examples; `make fuzz` sets FUZZ_EXAMPLES
higher and prints the counts (-s).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support.fuzz_checks import FuzzTally, check_response, operations_of
from tests.support.gateway_openapi import gateway_openapi
from tests.support.stack import Stack

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("FUZZ_SEED") is None,
    database=None,
)


@pytest.fixture(scope="module")
def operations(stack: Stack) -> list[Any]:
    return operations_of(gateway_openapi(stack))


def _headers(stack: Stack, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    return stack.auth(stack.admin_token() if who == "admin" else stack.user_token())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("who", ["anonymous", "user", "admin"])
def test_no_input_breaks_the_gateway_contract(
    stack: Stack, operations: list[Any], who: str, mode: GenerationMode
) -> None:
    headers = _headers(stack, who)
    secrets = [*stack.secrets, stack.jwt_secret, stack.admin_password]
    tally = FuzzTally()
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            response = case.call(base_url=stack.gateway_url, headers=headers, timeout=30)
            check_response(case, response, secrets, tally)

        try:
            call()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to break in an input-less call
    print(f"\nfuzz {who} {mode.value}: {tally.summary()}")
    assert sum(tally.statuses.values()) >= len(operations)
    assert not tally.failures, f"{tally.summary()}\n{tally.examples}"
