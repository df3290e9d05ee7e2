"""Gateway-secret checks: constant-time, accepting every secret of the rotation list."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

GATEWAY_SECRET_HEADER = "x-gateway-secret"
USER_ID_HEADER = "x-user-id"
USER_EMAIL_HEADER = "x-user-email"
USER_ROLE_HEADER = "x-user-role"


def secret_matches(candidate: str | None, accepted: Sequence[str]) -> bool:
    """True when candidate equals one accepted secret; every secret is compared."""
    if not candidate:
        return False
    given = candidate.encode()
    matched = False
    for secret in accepted:
        # No early exit: the time taken does not reveal which secret (if any) matched.
        matched |= hmac.compare_digest(given, secret.encode())
    return matched
