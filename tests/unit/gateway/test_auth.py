"""Bearer parsing and token verification as the gateway applies them."""

from __future__ import annotations

import time

import pytest

from shop.common.tokens import InvalidTokenError, Principal
from shop.gateway.auth import TokenVerifier, bearer_token
from tests.support.tokens import (
    FOREIGN_SECRET,
    SECRET,
    tampered_payload,
    token,
    unsigned_token,
)


def _principal(authorization: str | None, *, secret: str) -> Principal | None:
    return TokenVerifier(secret=secret).principal(authorization)


def test_valid_token_gives_its_principal() -> None:
    principal = _principal(f"Bearer {token(sub='u-9', role='admin')}", secret=SECRET)
    assert principal == Principal(user_id="u-9", email="user@example.com", role="admin")


def test_scheme_is_case_insensitive() -> None:
    assert _principal(f"bearer {token()}", secret=SECRET) is not None


def test_no_header_is_anonymous() -> None:
    assert _principal(None, secret=SECRET) is None


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(f"Bearer {token(exp=int(time.time()) - 5)}", id="expired"),
        pytest.param(f"Bearer {token(nbf=int(time.time()) + 300)}", id="not-yet-valid"),
        pytest.param(f"Bearer {tampered_payload(token(), role='admin')}", id="tampered-claims"),
        pytest.param(f"Bearer {token()[:-4]}AAAA", id="tampered-signature"),
        pytest.param(f"Bearer {unsigned_token()}", id="alg-none"),
        pytest.param(f"Bearer {token(secret=FOREIGN_SECRET)}", id="foreign"),
        pytest.param(f"Bearer {token(algorithm='HS512')}", id="wrong-alg"),
        pytest.param(f"Bearer {token(type='refresh')}", id="refresh-token"),
        pytest.param(f"Bearer {token(role='root')}", id="unknown-role"),
        pytest.param(f"Bearer {token(iss='elsewhere')}", id="wrong-issuer"),
        pytest.param("Bearer not.a.jwt", id="garbage"),
        pytest.param("Bearer", id="no-token"),
        pytest.param("Bearer ", id="blank-token"),
        pytest.param(f"Basic {token()}", id="wrong-scheme"),
        pytest.param(f"Bearer {token()} extra", id="two-tokens"),
    ],
)
def test_bad_tokens_are_refused(authorization: str) -> None:
    with pytest.raises(InvalidTokenError):
        _principal(authorization, secret=SECRET)


def test_bearer_token_extracts_the_token() -> None:
    assert bearer_token("Bearer  abc.def.ghi ") == "abc.def.ghi"
    assert bearer_token(None) is None


def test_a_cached_token_still_expires() -> None:
    verifier = TokenVerifier(secret=SECRET)
    expiry = int(time.time()) + 1
    header = f"Bearer {token(exp=expiry)}"
    assert verifier.principal(header) is not None
    assert verifier.principal(header) is not None  # from the cache
    time.sleep(max(0.0, expiry - time.time()) + 0.05)
    with pytest.raises(InvalidTokenError):
        verifier.principal(header)


def test_a_refused_token_is_never_cached() -> None:
    verifier = TokenVerifier(secret=SECRET)
    forged = f"Bearer {token(secret=FOREIGN_SECRET)}"
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            verifier.principal(forged)


def test_cache_is_bounded() -> None:
    verifier = TokenVerifier(secret=SECRET, max_entries=2)
    headers = [f"Bearer {token(sub=f'u-{i}')}" for i in range(5)]
    principals = [verifier.principal(h) for h in headers]
    assert [p.user_id for p in principals if p] == [f"u-{i}" for i in range(5)]
    assert len(verifier._verified) == 2
